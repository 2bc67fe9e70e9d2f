/**
 * The intrinsics registry: which implementation serves each kernel on this engine.
 *
 * The runtime calls kernels per layer through one `Kernels` object (shared/kernels/types.ts).
 * An engine starts from a complete implementation (the portable TS reference) and registers
 * faster ones op by op, explicitly, at run time; `servingTable()` says what runs where, so a test
 * (and telemetry) can state it instead of guessing from file names.
 */
import { KERNEL_NAMES, type KernelName } from "../../shared/kernels/ops";
import type { Kernels } from "../../shared/kernels/types";

export { KERNEL_NAMES, type KernelName };

/** A named set of kernels; a partial set overrides only the ops it has. */
export interface KernelProvider {
  name: string;
  kernels: Partial<Kernels>;
}

export interface ServingEntry {
  op: KernelName;
  impl: string;
}

export class KernelRegistry {
  private readonly table: Partial<Kernels> = {};
  private readonly servedBy: string[] = [];

  /** `base` must implement every op: the registry is never left with a hole. */
  constructor(base: KernelProvider) {
    for (let i = 0; i < KERNEL_NAMES.length; i++) {
      if (base.kernels[KERNEL_NAMES[i]] === undefined) {
        throw new Error(`intrinsics: base '${base.name}' lacks ${KERNEL_NAMES[i]}`);
      }
      this.servedBy.push(base.name);
    }
    this.register(base);
  }

  /** Routes every op that `provider` implements to it (later registrations win). */
  register(provider: KernelProvider): void {
    const table = this.table as Record<string, unknown>;
    const from = provider.kernels as Record<string, unknown>;
    for (let i = 0; i < KERNEL_NAMES.length; i++) {
      const fn = from[KERNEL_NAMES[i]];
      if (fn !== undefined) {
        table[KERNEL_NAMES[i]] = fn;
        this.servedBy[i] = provider.name;
      }
    }
  }

  /** The composed kernels (one object; the runtime keeps it for its lifetime). */
  kernels(): Kernels {
    return this.table as Kernels;
  }

  servingTable(): ServingEntry[] {
    const rows: ServingEntry[] = [];
    for (let i = 0; i < KERNEL_NAMES.length; i++) {
      rows.push({ op: KERNEL_NAMES[i], impl: this.servedBy[i] });
    }
    return rows;
  }
}
