/**
 * The slice of the WebAssembly JS API that Quiver uses. Node provides the global at run
 * time, but @types/node for Node 20 does not declare it (it lives in lib.dom), and pulling
 * in the DOM library would hide mistakes like using `window` on the server.
 */
declare namespace WebAssembly {
  interface MemoryDescriptor {
    initial: number;
    maximum?: number;
    shared?: boolean;
  }
  class Memory {
    constructor(descriptor: MemoryDescriptor);
    /** A SharedArrayBuffer when the memory is shared. */
    readonly buffer: ArrayBufferLike;
    grow(delta: number): number;
  }
  class Module {
    constructor(bytes: BufferSource);
    static exports(module: Module): { name: string; kind: string }[];
    static imports(module: Module): { module: string; name: string; kind: string }[];
  }
  class Global {
    readonly value: number;
  }
  type ImportValue = Memory | Module | Global | ((...args: never[]) => unknown) | number;
  type Imports = Record<string, Record<string, ImportValue>>;
  type Exports = Record<string, unknown>;
  class Instance {
    constructor(module: Module, imports?: Imports);
    readonly exports: Exports;
  }
  class CompileError extends Error {}
  class LinkError extends Error {}
  class RuntimeError extends Error {}
  function validate(bytes: BufferSource): boolean;
}
