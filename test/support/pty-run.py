"""Runs a command on a new pseudo-terminal, as from an interactive shell, copying what it writes to
this process's stdout; SIGUSR1 hangs the terminal up (the master closed: the kernel sends SIGHUP to
the command, and its later writes to the terminal fail with EIO), then this exits with the
command's exit status. Usage: python3 pty-run.py <command> [args...]"""
import os
import pty
import select
import signal
import sys

pid, master = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])

hang_up = False


def on_usr1(_signum, _frame):
    global hang_up
    hang_up = True


signal.signal(signal.SIGUSR1, on_usr1)
while not hang_up:
    try:
        ready, _, _ = select.select([master], [], [], 0.1)
        if ready:
            data = os.read(master, 65536)
            if not data:
                break
            os.write(1, data)
    except InterruptedError:
        continue
    except OSError:
        break
os.close(master)
_, status = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(status) & 0xFF)
