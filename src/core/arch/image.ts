/**
 * Laying out a kernel image in physical memory: text, rodata, init, data, bss, one after the other
 * on page boundaries. Sizes are a typical build's (the Memory: line prints them); where a section's
 * size comes from a real boot log the arch file says so.
 */
import { Owner } from '../phys/page.ts';
import type { ImageSection } from './arch.ts';

export interface ImageSizes {
  /** in KiB */
  code: number;
  rodata: number;
  init: number;
  rwdata: number;
  bss: number;
}

export function layoutImage(base: number, sizes: ImageSizes, pageSize: number): ImageSection[] {
  const out: ImageSection[] = [];
  let at = base;
  const put = (name: string, kib: number, owner: Owner, memoryLine: ImageSection['memoryLine']) => {
    const size = Math.ceil((kib * 1024) / pageSize) * pageSize;
    out.push({ name, start: at, size, owner, memoryLine });
    at += size;
  };
  put('_text/_etext', sizes.code, Owner.KernelText, 'code');
  put('__start_rodata/__end_rodata', sizes.rodata, Owner.KernelRodata, 'rodata');
  put('__init_begin/__init_end', sizes.init, Owner.KernelInit, 'init');
  put('_sdata/_edata', sizes.rwdata, Owner.KernelData, 'rwdata');
  put('__bss_start/__bss_stop', sizes.bss, Owner.KernelBss, 'bss');
  return out;
}

/** The first page of .bss: where __page_aligned_bss puts empty_zero_page. */
export function bssStart(sections: ImageSection[]): number {
  return sections.find((s) => s.memoryLine === 'bss')!.start;
}
