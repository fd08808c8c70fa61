# gdb helpers for the stack: pretty-printers for struct tcb, struct tcp_seg, struct sock_addr
# and IPv4 addresses, and a breakpoint on tcp_set_state() (stack/tcp/tcp_fsm.c, the one door
# for TCP state changes) that prints "OLD -> NEW (cause)" with the segment that caused it.
# Loaded by tools/gdb/tcp.gdb; works on any build with debug info (best: make debug).
import gdb
import gdb.printing

FLAG_NAMES = ((0x01, "FIN"), (0x02, "SYN"), (0x04, "RST"), (0x08, "PSH"),
              (0x10, "ACK"), (0x20, "URG"), (0x40, "ECE"), (0x80, "CWR"))


def ipv4(v):
    """Host-order uint32 -> 'a.b.c.d'."""
    v = int(v) & 0xFFFFFFFF
    return "%d.%d.%d.%d" % (v >> 24, (v >> 16) & 255, (v >> 8) & 255, v & 255)


def endpoint(ip, port):
    return "%s:%d" % (ipv4(ip), int(port))


def flags_str(f):
    f = int(f)
    names = [n for bit, n in FLAG_NAMES if f & bit]
    return ",".join(names) if names else "none"


def _table_entry(table, index):
    """An entry of one of tcp_fsm.c's static name tables, or None when not visible."""
    try:
        return gdb.parse_and_eval("%s[%d]" % (table, int(index))).string()
    except (gdb.error, gdb.MemoryError):
        return None


def state_name(v):
    """RFC 9293 spelling of an enum tcp_conn_state ("SYN-SENT"), from tcp_state_names."""
    name = _table_entry("tcp_state_names", v)
    if name:
        return name
    # Fallback without the table: TCP_SYN_SENT -> SYN-SENT.
    return str(v.cast(gdb.lookup_type("enum tcp_conn_state"))).replace("TCP_", "").replace("_", "-")


def why_name(v):
    name = _table_entry("tcp_why_names", v)
    if name:
        return name
    return str(v.cast(gdb.lookup_type("enum tcp_why"))).replace("TCP_WHY_", "").lower()


class TcbPrinter:
    """struct tcb: state, endpoints and the RFC 9293 3.3.1 variables that matter most."""

    def __init__(self, val):
        self.val = val

    def to_string(self):
        t = self.val
        return ("tcb #%d %s %s > %s SND.UNA=%u SND.NXT=%u SND.WND=%u RCV.NXT=%u RCV.WND=%u "
                "RTO=%ums cwnd=%u ssthresh=%u snd.q=%u rcv.q=%u" % (
                    int(t["id"]), state_name(t["state"]),
                    endpoint(t["laddr"], t["lport"]), endpoint(t["raddr"], t["rport"]),
                    int(t["snd_una"]), int(t["snd_nxt"]), int(t["snd_wnd"]),
                    int(t["rcv_nxt"]), int(t["rcv_wnd"]), int(t["rto_us"]) // 1000,
                    int(t["cwnd"]), int(t["ssthresh"]),
                    int(t["snd"]["len"]), int(t["rcv"]["len"])))


class TcpSegPrinter:
    """struct tcp_seg: a received segment after validation."""

    def __init__(self, val):
        self.val = val

    def to_string(self):
        g = self.val
        h = g["h"]
        s = "%s > %s [%s] seq=%u ack=%u win=%u len=%u" % (
            endpoint(g["src"], h["sport"]), endpoint(g["dst"], h["dport"]),
            flags_str(g["flags"]), int(g["seq"]), int(h["ack"]), int(h["wnd"]), int(g["len"]))
        o = h["opts"]
        opts = []
        if o["has_mss"]:
            opts.append("MSS=%d" % int(o["mss"]))
        if o["has_ws"]:
            opts.append("WS=%d" % (1 << int(o["ws"])))
        if o["has_ts"]:
            opts.append("TSval=%u TSecr=%u" % (int(o["tsval"]), int(o["tsecr"])))
        if o["sack_perm"]:
            opts.append("SACK_PERM")
        return s + ("" if not opts else " " + " ".join(opts))


class SockAddrPrinter:
    def __init__(self, val):
        self.val = val

    def to_string(self):
        return endpoint(self.val["ip"], self.val["port"])


def build_printers():
    pp = gdb.printing.RegexpCollectionPrettyPrinter("stack")
    pp.add_printer("tcb", "^tcb$", TcbPrinter)
    pp.add_printer("tcp_seg", "^tcp_seg$", TcpSegPrinter)
    pp.add_printer("sock_addr", "^sock_addr$", SockAddrPrinter)
    return pp


class Ipv4Command(gdb.Command):
    """ipv4 EXPR: print a host-order IPv4 address (e.g. t->raddr) as a.b.c.d."""

    def __init__(self):
        super().__init__("ipv4", gdb.COMMAND_DATA, gdb.COMPLETE_EXPRESSION)

    def invoke(self, arg, from_tty):
        print(ipv4(gdb.parse_and_eval(arg)))


def find_segment(frame):
    """The segment being processed: a `struct tcp_seg *g` in a caller of tcp_set_state."""
    f = frame.older()
    while f is not None:
        try:
            g = f.read_var("g")
            if g.type.strip_typedefs().code == gdb.TYPE_CODE_PTR and \
                    g.type.target().strip_typedefs().tag == "tcp_seg" and int(g) != 0:
                return g.dereference()
        except (ValueError, gdb.error):
            pass
        f = f.older()
    return None


class TcpStateBreakpoint(gdb.Breakpoint):
    """Break on tcp_set_state; print the transition and the segment; go on unless tcp-stop."""

    def __init__(self):
        super().__init__("tcp_set_state", internal=False)

    def stop(self):
        frame = gdb.selected_frame()
        t = frame.read_var("t")
        nxt = frame.read_var("next")
        why = frame.read_var("why")
        print("tcp #%d %s > %s: %s -> %s (%s)" % (
            int(t["id"]), endpoint(t["laddr"], t["lport"]), endpoint(t["raddr"], t["rport"]),
            state_name(t["state"]), state_name(nxt), why_name(why)))
        seg = find_segment(frame)
        if seg is not None:
            print("    segment: %s" % TcpSegPrinter(seg).to_string())
        return STOP_PARAM.value


class TcpStopParameter(gdb.Parameter):
    """Whether the tcp_set_state breakpoint stops (on) or only prints and continues (off)."""

    set_doc = "Set whether TCP state changes stop the program."
    show_doc = "Show whether TCP state changes stop the program."

    def __init__(self):
        super().__init__("tcp-stop", gdb.COMMAND_BREAKPOINTS, gdb.PARAM_BOOLEAN)
        self.value = False

    def get_show_string(self, svalue):
        return "TCP state changes %s the program." % ("stop" if self.value else "do not stop")


class TcpWatchCommand(gdb.Command):
    """tcp-watch: print every TCP state change "OLD -> NEW (cause)" and its segment."""

    def __init__(self):
        super().__init__("tcp-watch", gdb.COMMAND_BREAKPOINTS)

    def invoke(self, arg, from_tty):
        TcpStateBreakpoint()


gdb.printing.register_pretty_printer(gdb.current_objfile(), build_printers(), replace=True)
STOP_PARAM = TcpStopParameter()
Ipv4Command()
TcpWatchCommand()
