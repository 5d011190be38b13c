// orkestra-controller: the reconciler lands with the controller issue; until then this entrypoint
// only proves the bundle and says so.
process.stderr.write('orkestra-controller: the controller is not built into this version yet\n');
process.exitCode = 2;
