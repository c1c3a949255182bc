/** The architectures, by config name. */
import type { MachineConfig } from '../config.ts';
import type { ArchSpec } from './arch.ts';
import { x86_64 } from './x86_64/setup.ts';

export function archFor(cfg: MachineConfig): ArchSpec {
  switch (cfg.arch) {
    case 'x86_64':
      return x86_64;
  }
}
