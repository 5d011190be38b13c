/** A namespace lacks the executor's ServiceAccount, and the controller may not create it. */
export class ExecutorAccessMissingError extends Error {}
