/** The `<file>` every command reads ApplicationGroups from. */
export const FILE_ARGUMENT = {
  type: 'string',
  demandOption: true,
  describe: 'YAML file with ApplicationGroups, - for stdin',
} as const;
