// PURE: which version of a chart a group's `version` means, as Helm decides it (repo.IndexFile.Get
// and the OCI getter): empty → the highest stable version; else the version written exactly;
// else the highest one a semver range accepts.
import semver from 'semver';

export function pickVersion(available: readonly string[], wanted: string): string | undefined {
  if (wanted !== '' && available.includes(wanted)) return wanted;
  const range = wanted === '' ? '*' : wanted;
  if (semver.validRange(range, { loose: true }) === null) return undefined;
  let best: string | undefined;
  for (const version of available) {
    const parsed = semver.parse(version, { loose: true });
    if (!parsed || !semver.satisfies(parsed, range, { loose: true })) continue;
    if (best === undefined || semver.gt(parsed, semver.parse(best, { loose: true }) as semver.SemVer))
      best = version;
  }
  return best;
}
