// The plugin's steps in flight. The agent asks about a step many times (again after each Running
// reply, again after a lost reply); the first ask starts it, later ones wait a while for its outcome.
// Steps of one Workflow run at most `spec.parallelism` at once: Argo counts only pods against it.
// Waits (dependencies across the parts of a split DAG) are not installs and do not count: counted,
// waits holding every slot would deadlock the installs they wait for.
import type { Outcome } from '../context.ts';
import type { Task } from './protocol.ts';

export interface JobDependencies {
  /** Runs the step to its outcome (never rejects); `signal` aborts it. */
  run: (task: Task, signal: AbortSignal) => Promise<Outcome>;
  /** The Workflow's spec.parallelism (undefined: no limit); asked once per Workflow. */
  parallelism: (workflow: Task['workflow']) => Promise<number | undefined>;
}

interface Job {
  outcome: Promise<Outcome>;
  start: () => void;
}

interface WorkflowSlots {
  limit: Promise<number | undefined>;
  running: number;
  waiting: Job[];
}

export class Jobs {
  readonly #jobs = new Map<string, Job>();
  // The agent pod, and so this plugin, serves one Workflow: a single entry in practice.
  readonly #workflows = new Map<string, WorkflowSlots>();
  readonly #abort = new AbortController();
  readonly #dependencies: JobDependencies;
  #held = 0;

  constructor(dependencies: JobDependencies) {
    this.#dependencies = dependencies;
  }

  /**
   * The step's outcome if it has one within `holdMs`, else undefined (still running or waiting for
   * a slot). The first ask only starts it and answers at once, so that every ready step starts
   * while the agent's workers are free.
   */
  async ask(task: Task, holdMs: number): Promise<Outcome | undefined> {
    const existing = this.#jobs.get(task.key);
    if (!existing) {
      this.#jobs.set(task.key, this.#create(task));
      return undefined;
    }
    let timer: NodeJS.Timeout | undefined;
    this.#held++;
    const outcome = await Promise.race([
      existing.outcome,
      new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), holdMs);
      }),
    ]);
    clearTimeout(timer);
    this.#held--;
    // Told once: the next ask with the same args is a retry, a new run.
    if (outcome) this.#jobs.delete(task.key);
    return outcome;
  }

  /** Whether the step with this key has been started and its outcome not yet told. */
  has(key: string): boolean {
    return this.#jobs.has(key);
  }

  /** Asks waiting for an outcome now: each holds one of the agent's task workers. */
  get held(): number {
    return this.#held;
  }

  /** Steps started and not yet reported. */
  get size(): number {
    return this.#jobs.size;
  }

  /** Aborts every step (the agent pod is going away). */
  abortAll(): void {
    this.#abort.abort();
  }

  #create(task: Task): Job {
    if (task.args[0] === 'wait') {
      const outcome = this.#dependencies.run(task, this.#abort.signal);
      return { outcome, start: () => {} };
    }
    const slots = this.#slotsOf(task.workflow);
    let start!: () => void;
    const started = new Promise<void>((resolve) => {
      start = resolve;
    });
    const job: Job = {
      start: () => {
        slots.running++;
        start();
      },
      outcome: started.then(async () => {
        try {
          return await this.#dependencies.run(task, this.#abort.signal);
        } finally {
          slots.running--;
          this.#startWaiting(slots);
        }
      }),
    };
    slots.waiting.push(job);
    this.#startWaiting(slots);
    return job;
  }

  #slotsOf(workflow: Task['workflow']): WorkflowSlots {
    let slots = this.#workflows.get(workflow.uid);
    if (!slots) {
      slots = {
        limit: this.#dependencies.parallelism(workflow).catch(() => undefined),
        running: 0,
        waiting: [],
      };
      this.#workflows.set(workflow.uid, slots);
    }
    return slots;
  }

  #startWaiting(slots: WorkflowSlots): void {
    void slots.limit.then((max) => {
      while (slots.waiting.length > 0 && (max === undefined || slots.running < max)) {
        slots.waiting.shift()?.start();
      }
    });
  }
}
