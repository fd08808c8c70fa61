# Step through TCP in gdb: every state change of every connection printed as
#   tcp #1 10.0.0.2:49152 > 10.0.0.1:80: SYN-SENT -> ESTABLISHED (rcvd SYN,ACK)
#       segment: 10.0.0.1:80 > 10.0.0.2:49152 [SYN,ACK] seq=... ack=... win=... len=0 MSS=...
# from a breakpoint on tcp_set_state() (stack/tcp/tcp_fsm.c, the only writer of t->state),
# plus pretty-printers for struct tcb, struct tcp_seg and struct sock_addr (`p *t`).
#   gdb -x tools/gdb/tcp.gdb --args build/bin/nc 10.0.0.1 5000     (from the repo root)
# `set tcp-stop on` makes the breakpoint stop instead of continuing; `ipv4 t->raddr` prints
# an address. Build with `make debug` (-O0 -g3) so nothing is optimised out.
set pagination off
set confirm off
set print pretty off
python
import os
import gdb


def _stack_gdb_module():
    """stack_printers.py: $STACK_GDB_DIR, ./tools/gdb, or tools/gdb above the program."""
    dirs = []
    if os.environ.get("STACK_GDB_DIR"):
        dirs.append(os.environ["STACK_GDB_DIR"])
    dirs.append(os.path.join(os.getcwd(), "tools", "gdb"))
    prog = gdb.current_progspace().filename
    if prog:
        d = os.path.dirname(os.path.abspath(prog))
        for _ in range(6):
            dirs.append(os.path.join(d, "tools", "gdb"))
            d = os.path.dirname(d)
    for d in dirs:
        path = os.path.join(d, "stack_printers.py")
        if os.path.exists(path):
            return path
    raise gdb.GdbError("tools/gdb/stack_printers.py not found: run from the repo root "
                       "or set STACK_GDB_DIR")


gdb.execute("source " + _stack_gdb_module())
end
tcp-watch
