// Reading text inputs (COCO JSON, profiles) with errors that name the file, its role and the reason.
import fs from 'node:fs';

function readError(file: string, role: string | undefined, error: unknown): Error {
  const code = (error as NodeJS.ErrnoException).code;
  const reason = code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'it is a folder' : (error as Error).message;
  return new Error(`${file}: cannot read${role ? ` the ${role}` : ''} (${reason})`);
}

export async function readTextFile(file: string, role?: string): Promise<string> {
  try {
    return await fs.promises.readFile(file, 'utf8');
  } catch (error) {
    throw readError(file, role, error);
  }
}

export function readTextFileSync(file: string, role?: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw readError(file, role, error);
  }
}
