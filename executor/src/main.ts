// orkestra-executor: the actions (apply, probe, rollback, delete, stage) land with the executor
// issue; until then this entrypoint only proves the bundle and says so.
process.stderr.write('orkestra-executor: no actions are built into this version yet\n');
process.exitCode = 2;
