/**
 * TransformationChain: a connector's `transforms=a,b` list, built from the registry and the
 * `transforms.<alias>.*` / `predicates.<alias>.*` keys, applied in order. Each step runs through
 * the error operator (stage TRANSFORMATION), honours its predicate and `negate`, and a null result
 * drops the record.
 */
import { withParsedJson } from "../api/data/json-text.ts";
import type { ConnectRecord } from "../api/record.ts";
import type { Predicate, Transformation } from "../api/transformation.ts";
import { ConfigError } from "../errors.ts";
import type { PluginRegistry } from "../plugin/registry.ts";
import { invalidValue } from "../util/invalid-value.ts";
import { splitList } from "./connector-config-values.ts";
import type { ProcessingContext } from "./errors/processing-context.ts";
import type { RetryWithToleranceOperator } from "./errors/retry-with-tolerance.ts";
import { DirectFailure } from "./errors/stage.ts";

interface Step {
  readonly className: string;
  readonly transform: Transformation;
  readonly predicate: Predicate | undefined;
  readonly negate: boolean;
}

function subConfig(config: Readonly<Record<string, string>>, prefix: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(config)) if (k.startsWith(prefix)) out[k.slice(prefix.length)] = v;
  return out;
}

export class TransformationChain {
  private constructor(private readonly steps: readonly Step[]) {}

  static readonly EMPTY = new TransformationChain([]);

  static fromConfig(registry: PluginRegistry, config: Readonly<Record<string, string>>): TransformationChain {
    const predicates = new Map<string, Predicate>();
    for (const alias of splitList(config.predicates)) {
      const cls = config[`predicates.${alias}.type`] ?? "";
      const plugin = registry.find(["predicate"], cls);
      if (!plugin)
        throw new ConfigError(invalidValue(`predicates.${alias}.type`, cls, `Class ${cls} could not be found.`));
      const predicate = plugin.create();
      predicate.configure(subConfig(config, `predicates.${alias}.`));
      predicates.set(alias, predicate);
    }
    const steps = splitList(config.transforms).map((alias): Step => {
      const cls = config[`transforms.${alias}.type`] ?? "";
      const plugin = registry.find(["transformation"], cls);
      if (!plugin)
        throw new ConfigError(invalidValue(`transforms.${alias}.type`, cls, `Class ${cls} could not be found.`));
      const transform = plugin.create();
      transform.configure(subConfig(config, `transforms.${alias}.`));
      const predicateAlias = config[`transforms.${alias}.predicate`]?.trim();
      const predicate = predicateAlias ? predicates.get(predicateAlias) : undefined;
      if (predicateAlias && !predicate) {
        throw new ConfigError(
          `Predicate '${predicateAlias}' of transformation '${alias}' is not defined in 'predicates'`,
        );
      }
      const negate = (config[`transforms.${alias}.negate`] ?? "false").trim().toLowerCase() === "true";
      return { className: plugin.className, transform, predicate, negate };
    });
    return new TransformationChain(steps);
  }

  get isEmpty(): boolean {
    return this.steps.length === 0;
  }

  /** The transformed record; null when a step dropped it, undefined when a tolerated error skipped it. */
  async apply<R extends ConnectRecord>(
    record: R,
    operator: RetryWithToleranceOperator,
    context: Pick<ProcessingContext, "consumed" | "source">,
    direct?: DirectFailure,
  ): Promise<R | null | undefined> {
    // After the direct path failed at a step: from that step, with the record it was given.
    const resumed = direct?.stage === "TRANSFORMATION";
    let current: R | null | undefined = resumed ? (direct.done as R) : record;
    for (let i = resumed ? direct.step : 0; i < this.steps.length; i++) {
      const step = this.steps[i]!;
      const given: R = current;
      current = await operator.execute(
        "TRANSFORMATION",
        step.className,
        () => {
          // Transformations and predicates see parsed values, never a JsonText. Parsing is part of
          // the first step (as Connect's converter runs inside its operator): a value that cannot
          // be read (too deep) is that step's failure, under errors.tolerance, not the task's.
          const input = i === 0 ? withParsedJson(given) : given;
          const applies = step.predicate ? step.predicate.test(input) !== step.negate : true;
          return applies ? (step.transform.apply(input) as R | null) : input;
        },
        context,
        direct?.firstAttemptOf("TRANSFORMATION", i),
      );
      if (current === null || current === undefined) return current;
    }
    return current;
  }

  /**
   * The fast path: applies every step directly, without the error operator. Throws a DirectFailure
   * on the first failure, with the record the failed step was given; the caller then runs the record
   * through `apply` (the operator's retry, tolerance and reporting), which resumes at that step: the
   * steps before it are not run again (a stateful transformation sees each record once, as in Connect).
   */
  applyDirect<R extends ConnectRecord>(record: R): R | null {
    let i = 0;
    let current: R | null = record;
    try {
      if (this.steps.length > 0) current = withParsedJson(record);
      for (; i < this.steps.length; i++) {
        const step = this.steps[i]!;
        const input: R = current;
        const applies = step.predicate ? step.predicate.test(input) !== step.negate : true;
        current = applies ? (step.transform.apply(input) as R | null) : input;
        if (current === null || current === undefined) return null;
      }
      return current;
    } catch (error) {
      // Parsing a JsonText belongs to the first step, as in `apply`.
      throw new DirectFailure("TRANSFORMATION", i, error, current);
    }
  }

  close(): void {
    for (const step of this.steps) {
      step.transform.close?.();
      step.predicate?.close?.();
    }
  }
}
