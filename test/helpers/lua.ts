/**
 * Runs an ArgoCD Lua health check the way ArgoCD does (the script sees the object as `obj` and
 * returns a table with status and message), in fengari, a Lua VM in JavaScript.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
// fengari ships CommonJS without types.
const fengari = require('fengari') as {
  lua: Record<string, any>;
  lauxlib: Record<string, any>;
  lualib: Record<string, any>;
  to_luastring: (s: string) => Uint8Array;
  to_jsstring: (b: Uint8Array) => string;
};

/** A JSON value as a Lua table constructor (arrays 1-based, nulls dropped like ArgoCD's conversion). */
export function toLua(value: unknown): string {
  if (value === null || value === undefined) return 'nil';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `{${value.map(toLua).join(', ')}}`;
  return `{${Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== null && v !== undefined)
    .map(([k, v]) => `[${JSON.stringify(k)}] = ${toLua(v)}`)
    .join(', ')}}`;
}

export function runHealthCheck(script: string, obj: unknown): { status: string; message: string } {
  const { lua, lauxlib, lualib, to_luastring, to_jsstring } = fengari;
  const L = lauxlib.luaL_newstate();
  lualib.luaL_openlibs(L);
  const program = `obj = ${toLua(obj)}\nlocal function check()\n${script}\nend\nlocal hs = check()\nreturn (hs.status or "") .. "\\0" .. (hs.message or "")`;
  if (lauxlib.luaL_loadstring(L, to_luastring(program)) !== lua.LUA_OK) {
    throw new Error(`Lua syntax error: ${to_jsstring(lua.lua_tostring(L, -1))}`);
  }
  if (lua.lua_pcall(L, 0, 1, 0) !== lua.LUA_OK) {
    throw new Error(`Lua runtime error: ${to_jsstring(lua.lua_tostring(L, -1))}`);
  }
  const [status, message] = to_jsstring(lua.lua_tostring(L, -1)).split('\0');
  return { status: status!, message: message ?? '' };
}
