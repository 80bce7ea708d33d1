// Runs a WASI preview1 command under node (V8), as `kiln run` does: node bench/node/wasi-run.mjs FILE.wasm [ARGS...]
// The program gets ARGS (argv[0] is FILE), no environment, the process's stdio, and exits with its status.
// V8 compiles the module afresh in every process (node keeps no compiled-code cache for Wasm).
import { readFile } from 'node:fs/promises';
import { WASI } from 'node:wasi';
import process from 'node:process';

const [file, ...args] = process.argv.slice(2);
const wasi = new WASI({ version: 'preview1', args: [file, ...args], env: {}, returnOnExit: true });
const module = await WebAssembly.compile(await readFile(file));
const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
process.exitCode = wasi.start(instance);
