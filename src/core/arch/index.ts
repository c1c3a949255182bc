/** The architectures, by config name. */
import type { MachineConfig } from '../config.ts';
import type { ArchSpec } from './arch.ts';
import { arm } from './arm/setup.ts';
import { arm64 } from './arm64/setup.ts';
import { mips } from './mips/setup.ts';
import { s390 } from './s390/setup.ts';
import { sparc64 } from './sparc64/setup.ts';
import { x86_64 } from './x86_64/setup.ts';

const arm64Specs = new Map<number, ArchSpec>();

export function archFor(cfg: MachineConfig): ArchSpec {
  switch (cfg.arch) {
    case 'x86_64':
      return x86_64;
    case 'arm64': {
      let s = arm64Specs.get(cfg.granule);
      if (!s) arm64Specs.set(cfg.granule, (s = arm64(cfg.granule)));
      return s;
    }
    case 'arm':
      return arm;
    case 'sparc64':
      return sparc64;
    case 'mips':
      return mips;
    case 's390':
      return s390;
  }
}
