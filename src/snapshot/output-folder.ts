// The output folder of `meshctl render`: checked and created before any work is done, and the
// errors of writing there in words. Free of the YAML writer, so the command checks it first thing.
import { lstatSync, mkdirSync, readdirSync, readlinkSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';

/** The output folder cannot be used: names the path and the reason, never a stack. */
export class OutputError extends Error {
  readonly path: string;
  constructor(path: string, reason: string) {
    super(`cannot write the output to ${path}: ${reason}`);
    this.name = 'OutputError';
    this.path = path;
  }
}

/**
 * Checks and creates the output folder before any work is done, so a bad --output fails at once.
 * Refused, by whatever path they are named (`..`, symlinks, a symlink not yet pointing anywhere):
 * the input folder itself or a folder holding it (the old output is deleted before writing); a
 * folder inside a folder the input is read from (mgmt/, clusters/, clusters/<name>/; the next
 * render would read the output as input); and an output whose mgmt/ or clusters/ (deleted before
 * writing) holds one of those folders.
 */
export function prepareOutputFolder(outDir: string, inputDir?: string): void {
  const out = canonicalPath(resolve(outDir));
  if (inputDir !== undefined) {
    const input = canonicalPath(resolve(inputDir));
    if (out === input || isInside(input, out)) {
      throw new OutputError(outDir, `refusing to write output there: it holds the input ${inputDir}`);
    }
    for (const { shown, path } of readFolders(input)) {
      if (out === path || isInside(out, path)) {
        throw new OutputError(
          outDir,
          `refusing to write output inside the input's ${shown} folder: the next render would read it as input`,
        );
      }
      for (const part of ['mgmt', 'clusters']) {
        const replaced = join(out, part);
        if (path === replaced || isInside(path, replaced)) {
          throw new OutputError(
            outDir,
            `refusing to write output there: its ${part}/ folder, replaced on every render, is the input's ${shown} folder`,
          );
        }
      }
    }
  }
  ensureFolder(resolve(outDir), outDir);
}

/** The folders `meshctl render` reads (mgmt/, clusters/, clusters/<name>/), symlinks resolved. */
function readFolders(input: string): { shown: string; path: string }[] {
  const folders = [
    { shown: 'mgmt/', path: canonicalPath(join(input, 'mgmt')) },
    { shown: 'clusters/', path: canonicalPath(join(input, 'clusters')) },
  ];
  let clusters: string[] = [];
  try {
    clusters = readdirSync(join(input, 'clusters'));
  } catch {
    // No clusters/ folder: nothing more is read.
  }
  for (const name of clusters) {
    folders.push({ shown: `clusters/${name}/`, path: canonicalPath(join(input, 'clusters', name)) });
  }
  return folders;
}

/**
 * Creates a folder and its missing parents one level at a time. Node's recursive mkdir loops forever
 * where mkdir answers ENOENT under a parent that exists (a new folder under /proc), so it is not used.
 */
export function ensureFolder(path: string, shown: string): void {
  const kind = pathKind(path, shown);
  if (kind === 'folder') return;
  if (kind === 'other') {
    throw new OutputError(
      shown,
      path === resolve(shown) ? 'it is a file, not a folder' : `${path} is a file, not a folder`,
    );
  }
  const parent = dirname(path);
  if (parent !== path) ensureFolder(parent, shown);
  try {
    mkdirSync(path);
  } catch (error) {
    throw new OutputError(shown, describeFsError(error));
  }
}

function pathKind(path: string, shown: string): 'folder' | 'other' | 'missing' {
  try {
    return statSync(path).isDirectory() ? 'folder' : 'other';
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return 'missing';
    throw new OutputError(shown, describeFsError(error));
  }
}

/**
 * The path with symlinks resolved, so two spellings of one folder compare equal. A part that does
 * not exist yet is kept as named, except a symlink pointing nowhere yet: it is followed, since
 * creating the folder would create its target.
 */
function canonicalPath(path: string, depth = 0): string {
  try {
    return realpathSync(path);
  } catch {
    const parent = dirname(path);
    if (parent === path) return path;
    let target: string | undefined;
    try {
      if (depth < 40 && lstatSync(path).isSymbolicLink()) target = readlinkSync(path);
    } catch {
      // Not there at all: named as is.
    }
    if (target !== undefined) return canonicalPath(resolve(dirname(path), target), depth + 1);
    return join(canonicalPath(parent, depth), basename(path));
  }
}

function isInside(path: string, folder: string): boolean {
  const rel = relative(folder, path);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !rel.startsWith(sep);
}

const reasons: Readonly<Record<string, string>> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOTDIR: 'a part of the path is a file, not a folder',
  ENOENT: 'the folder cannot be created there',
  EEXIST: 'it exists and is not a folder',
  EISDIR: 'a folder is in the way of a file',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  ENAMETOOLONG: 'the name is too long',
  ELOOP: 'too many symbolic links',
};

function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  return typeof error.code === 'string' ? error.code : undefined;
}

/** `permission denied (EACCES, mkdir /x/y)`: the reason in words, then what failed where. */
export function describeFsError(error: unknown): string {
  const code = errorCode(error);
  const syscall = typeof error === 'object' && error !== null && 'syscall' in error ? String(error.syscall) : '';
  const path = typeof error === 'object' && error !== null && 'path' in error ? String(error.path) : '';
  if (code === undefined) return error instanceof Error ? error.message : String(error);
  const reason = reasons[code] ?? code;
  return `${reason} (${[code, [syscall, path].filter((s) => s !== '').join(' ')].filter((s) => s !== '').join(', ')})`;
}
