// Background processes of the local scripts (stack.mjs: Kafka and ClickHouse; pipeline.mjs: the services),
// each recorded as `<runDir>/<name>.pid`. Contract: a pid file names a process this script started; a
// pid that is dead, or alive but (recycled) running something else, counts as not running and its file
// is removed.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** True while `pid` exists (EPERM: it exists but belongs to another user). */
export function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

/** True when something accepts TCP connections on `host:port` within `timeoutMs`. */
export function portOpen(host, port, timeoutMs = 500) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (open) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * @param {object} options
 * @param {string} options.runDir where the pid files live
 * @param {(name: string) => string} options.commandMarker text the command line of `name` contains
 * @param {(message: string) => void} options.log
 */
export function createProcessTable({ runDir, commandMarker, log }) {
  const pidFile = (name) => path.join(runDir, `${name}.pid`);

  /** The pid recorded for `name` when that process still runs; removes a stale pid file. */
  function runningPid(name) {
    let pid;
    try {
      pid = Number(fs.readFileSync(pidFile(name), 'utf8').trim());
    } catch {
      return undefined;
    }
    if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) {
      try {
        if (fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(commandMarker(name))) return pid;
      } catch {
        return pid; // no /proc: trust the pid file
      }
    }
    fs.rmSync(pidFile(name), { force: true });
    log(`removed stale pid file for ${name}`);
    return undefined;
  }

  /** Starts `command` detached with stdout and stderr appended to `logFile`; records its pid. */
  function startDetached(name, command, args, { logFile, cwd, env = process.env }) {
    fs.mkdirSync(runDir, { recursive: true });
    const out = fs.openSync(logFile, 'a');
    const child = spawn(command, args, { detached: true, stdio: ['ignore', out, out], env, cwd });
    fs.closeSync(out);
    if (child.pid === undefined) throw new Error(`could not start ${name} (${command})`);
    fs.writeFileSync(pidFile(name), `${child.pid}\n`);
    child.unref();
    return child.pid;
  }

  /**
   * SIGTERM to every named process that runs, then waits for each; one still alive after `timeoutMs`
   * gets SIGKILL. Resolves with the names that were running.
   */
  async function stopAll(names, timeoutMs) {
    const stopping = [];
    for (const name of names) {
      const pid = runningPid(name);
      if (pid === undefined) continue;
      process.kill(pid, 'SIGTERM');
      stopping.push({ name, pid });
    }
    const deadline = Date.now() + timeoutMs;
    for (const { name, pid } of stopping) {
      while (isAlive(pid) && Date.now() < deadline) await sleep(100);
      if (isAlive(pid)) {
        log(`${name} (pid ${pid}) ignored SIGTERM for ${timeoutMs / 1000} s; sending SIGKILL`);
        process.kill(pid, 'SIGKILL');
        while (isAlive(pid)) await sleep(50);
      }
      fs.rmSync(pidFile(name), { force: true });
    }
    return stopping.map(({ name }) => name);
  }

  /** The names of all pid files in the run folder. */
  function recordedNames() {
    return fs.existsSync(runDir)
      ? fs
          .readdirSync(runDir)
          .filter((file) => file.endsWith('.pid'))
          .map((file) => file.slice(0, -'.pid'.length))
      : [];
  }

  return { runningPid, startDetached, stopAll, recordedNames };
}
