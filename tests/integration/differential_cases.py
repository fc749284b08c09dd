"""The differential corpus: byte scripts sent to Debian's memcached and to
memgate, whose replies must match byte for byte.

Each case is (name, [steps]). Steps:
  S(data)          send data, then synchronise and record every reply byte
  P(data, pause)   send a fragment that leaves a command unfinished; wait
                   `pause` seconds and record whatever came back (usually
                   nothing) without synchronising. With read=False nothing
                   is read: early replies go to the next step (for when only
                   the bytes matter, not when they arrive)
  D(data, pause)   send data one byte at a time, `pause` seconds apart, then
                   synchronise and record as S does (a split at every byte)
  C(data)          send data and read until the server closes; records the
                   bytes and whether it closed within the timeout
  Sleep(seconds)   wait (keep the total small: the suite runs on 2 cores)

In data, $CAS(key) becomes the cas unique last seen for key in a gets/gats
reply on the same connection, and $NOW(+N) / $NOW(-N) a unix time N
seconds from now. str data is encoded as latin-1.

To add a case, append a tuple to the list of its concern; its name becomes
the test method name (non-alphanumerics turn into underscores).
"""


class Step:
    kind = "?"

    def __init__(self, data=b"", pause=0.0, timeout=5.0):
        if isinstance(data, str):
            data = data.encode("latin-1")
        self.data = data
        self.pause = pause
        self.timeout = timeout

    def __repr__(self):
        shown = self.data if len(self.data) <= 72 else (
            self.data[:60] + b"...(%d bytes)" % len(self.data))
        return "%s(%r)" % (self.kind, shown)


class S(Step):
    kind = "S"


class P(Step):
    kind = "P"

    def __init__(self, data, pause=0.2, read=True):
        super().__init__(data, pause=pause)
        self.read = read


class D(Step):
    kind = "D"

    def __init__(self, data, pause=0.002):
        super().__init__(data, pause=pause)


class C(Step):
    kind = "C"

    def __init__(self, data, timeout=3.0):
        super().__init__(data, timeout=timeout)


class Sleep(Step):
    kind = "Sleep"

    def __init__(self, seconds):
        super().__init__(b"", pause=seconds)

    def __repr__(self):
        return "Sleep(%s)" % self.pause


K250 = "k" * 250
K251 = "k" * 251
MB = 1024 * 1024
BIG = 1100 * 1000  # over the default 1m item size limit
BIG_VALUE = b"v" * BIG

STORAGE = [
    ("set then get", [S("set a 0 0 5\r\nhello\r\n"), S("get a\r\n")]),
    ("set overwrites and keeps nothing of the old item",
     [S("set a 7 0 3\r\nold\r\n"), S("set a 9 0 5\r\nnewer\r\n"), S("get a\r\n")]),
    ("set empty value", [S("set a 0 0 0\r\n\r\n"), S("get a\r\n")]),
    ("set binary value with crlf inside",
     [S(b"set a 0 0 6\r\n\r\n\x00\xff\r\n\r\n"), S("get a\r\n")]),
    ("set max flags", [S("set a 4294967295 0 1\r\nx\r\n"), S("get a\r\n")]),
    ("set flags over 32 bits", [S("set a 4294967296 0 1\r\nx\r\n"), S("get a\r\n")]),
    ("set negative flags", [S("set a -1 0 1\r\nx\r\n"), S("get a\r\n")]),
    ("set non digit flags", [S("set a 1x 0 1\r\nx\r\n"), S("get a\r\n")]),
    ("set non digit exptime", [S("set a 0 zz 1\r\nx\r\n"), S("get a\r\n")]),
    ("set overflowing exptime",
     [S("set a 0 99999999999999999999 1\r\nx\r\n"), S("get a\r\n")]),
    ("set negative bytes", [S("set a 0 0 -1\r\nx\r\n"), S("get a\r\n")]),
    ("set non digit bytes", [S("set a 0 0 1b\r\nx\r\n"), S("get a\r\n")]),
    ("set overflowing bytes", [S("set a 0 0 4294967296\r\nx\r\n"), S("get a\r\n")]),
    ("set bytes with plus sign", [S("set a 0 0 +1\r\nx\r\n"), S("get a\r\n")]),
    ("set flags with plus sign", [S("set a +5 0 1\r\nx\r\n"), S("get a\r\n")]),
    ("set too few tokens", [S("set a 0 0\r\n"), S("get a\r\n")]),
    ("set only verb", [S("set\r\n")]),
    ("set extra token that is not noreply", [S("set a 0 0 1 junk\r\nx\r\n"), S("get a\r\n")]),
    ("set too many tokens", [S("set a 0 0 1 noreply x y\r\nx\r\n"), S("get a\r\n")]),
    ("add missing then existing",
     [S("add a 1 0 1\r\nx\r\n"), S("add a 2 0 1\r\ny\r\n"), S("get a\r\n")]),
    ("replace missing then existing",
     [S("replace a 0 0 1\r\nx\r\n"), S("get a\r\n"), S("set a 0 0 1\r\nx\r\n"),
      S("replace a 3 0 2\r\nyy\r\n"), S("get a\r\n")]),
    ("append and prepend existing keep flags",
     [S("set a 5 0 3\r\nmid\r\n"), S("append a 9 0 4\r\n_end\r\n"),
      S("prepend a 7 0 6\r\nstart_\r\n"), S("get a\r\n")]),
    ("append and prepend missing",
     [S("append a 0 0 1\r\nx\r\n"), S("prepend a 0 0 1\r\nx\r\n"), S("get a\r\n")]),
    ("append bad numbers", [S("set a 0 0 1\r\nx\r\n"), S("append a x 0 1\r\ny\r\n"),
                            S("get a\r\n")]),
    ("gets then cas matching", [S("set a 0 0 1\r\nx\r\n"), S("gets a\r\n"),
                                S("cas a 4 0 2 $CAS(a)\r\nyy\r\n"), S("gets a\r\n")]),
    ("cas stale is EXISTS",
     [S("set a 0 0 1\r\nx\r\n"), S("gets a\r\n"), S("set a 0 0 1\r\ny\r\n"),
      S("cas a 0 0 1 $CAS(a)\r\nz\r\n"), S("get a\r\n")]),
    ("cas on missing key", [S("cas nokey 0 0 1 1\r\nz\r\n"), S("get nokey\r\n")]),
    ("cas arbitrary value on existing",
     [S("set a 0 0 1\r\nx\r\n"), S("cas a 0 0 1 999999999\r\nz\r\n"), S("get a\r\n")]),
    ("cas twice with same unique",
     [S("set a 0 0 1\r\nx\r\n"), S("gets a\r\n"), S("cas a 0 0 1 $CAS(a)\r\ny\r\n"),
      S("cas a 0 0 1 $CAS(a)\r\nz\r\n"), S("get a\r\n")]),
    ("cas missing unique token", [S("cas a 0 0 1\r\nz\r\n")]),
    ("cas non digit unique", [S("set a 0 0 1\r\nx\r\n"), S("cas a 0 0 1 abc\r\nz\r\n"),
                              S("get a\r\n")]),
    ("cas negative unique", [S("set a 0 0 1\r\nx\r\n"), S("cas a 0 0 1 -1\r\nz\r\n"),
                             S("get a\r\n")]),
    ("cas overflowing unique",
     [S("set a 0 0 1\r\nx\r\n"), S("cas a 0 0 1 18446744073709551616\r\nz\r\n"),
      S("get a\r\n")]),
    ("cas zero unique", [S("set a 0 0 1\r\nx\r\n"), S("cas a 0 0 1 0\r\nz\r\n"),
                         S("get a\r\n")]),
    ("unique changes on every store",
     [S("set a 0 0 1\r\nx\r\n"), S("gets a\r\n"), S("append a 0 0 1\r\ny\r\n"),
      S("gets a\r\n"), S("touch a 100\r\n"), S("gets a\r\n"), S("set a 0 0 1\r\n5\r\n"),
      S("incr a 1\r\n"), S("gets a\r\n")]),
]

RETRIEVAL = [
    ("get missing", [S("get nothing\r\n")]),
    ("get many keys in order with misses and duplicates",
     [S("set a 1 0 1\r\nA\r\nset c 3 0 3\r\nCCC\r\n"), S("get a b c a zz c\r\n")]),
    ("gets many keys", [S("set a 1 0 1\r\nA\r\nset b 2 0 2\r\nBB\r\n"),
                        S("gets b nope a\r\n")]),
    ("get without key", [S("get\r\n")]),
    ("get trailing space", [S("get \r\n")]),
    ("gets without key", [S("gets\r\n")]),
    ("get with more than 24 keys",
     [S("".join("set k%d 0 0 %d\r\n%s\r\n" % (i, len(str(i)), i) for i in range(0, 40, 3))),
      S("get " + " ".join("k%d" % i for i in range(40)) + "\r\n")]),
    ("gets with more than 24 keys all missing",
     [S("gets " + " ".join("m%d" % i for i in range(30)) + "\r\n")]),
    ("get key of 250 bytes", [S("set %s 0 0 1\r\nx\r\n" % K250), S("get %s\r\n" % K250)]),
    ("get key of 251 bytes", [S("get %s\r\n" % K251)]),
    ("set key of 251 bytes", [S("set %s 0 0 1\r\nx\r\n" % K251), S("get %s\r\n" % K250)]),
    ("long key among valid keys",
     [S("set a 0 0 1\r\nA\r\n"), S("get a %s a\r\n" % K251)]),
    ("key with control characters",
     [S("set a\x01b 0 0 1\r\nx\r\n"), S("get a\x01b\r\n"), S("get a\tb\r\n")]),
    ("multiple spaces between tokens",
     [S("set  a  0  0  1\r\nx\r\n"), S("get   a    a\r\n")]),
    ("gat and gats",
     [S("set a 1 0 1\r\nx\r\n"), S("gat 100 a missing\r\n"), S("gats 0 a\r\n")]),
    ("gat without key", [S("gat 10\r\n")]),
    ("gat bad exptime", [S("set a 0 0 1\r\nx\r\n"), S("gat abc a\r\n"), S("get a\r\n")]),
    ("gat negative exptime expires",
     [S("set a 0 0 1\r\nx\r\n"), S("gat -1 a\r\n"), S("get a\r\n")]),
    ("gats more than 24 keys",
     [S("set z 0 0 1\r\nz\r\n"), S("gat 0 " + " ".join(["z"] * 30) + "\r\n")]),
    ("get a key of 250 bytes with a control character",
     [S("get %s\x7f\r\n" % ("k" * 249))]),
]

TOUCH_DELETE = [
    ("touch existing and missing",
     [S("set a 0 0 1\r\nx\r\n"), S("touch a 100\r\n"), S("touch nokey 100\r\n")]),
    ("touch bad exptime", [S("set a 0 0 1\r\nx\r\n"), S("touch a x\r\n"), S("get a\r\n")]),
    ("touch wrong token count", [S("touch a\r\n"), S("touch\r\n"), S("touch a 1 2 3\r\n")]),
    ("touch negative expires",
     [S("set a 0 0 1\r\nx\r\n"), S("touch a -1\r\n"), S("get a\r\n")]),
    ("delete existing and missing",
     [S("set a 0 0 1\r\nx\r\n"), S("delete a\r\n"), S("delete a\r\n"), S("get a\r\n")]),
    ("delete with zero time", [S("set a 0 0 1\r\nx\r\n"), S("delete a 0\r\n")]),
    ("delete with nonzero time", [S("set a 0 0 1\r\nx\r\n"), S("delete a 10\r\n"),
                                  S("get a\r\n")]),
    ("delete with zero and noreply", [S("set a 0 0 1\r\nx\r\n"), S("delete a 0 noreply\r\n"),
                                      S("get a\r\n")]),
    ("delete without key", [S("delete\r\n")]),
    ("delete too many tokens", [S("delete a b c d\r\n")]),
    ("delete key of 251 bytes", [S("delete %s\r\n" % K251)]),
]

ARITH = [
    ("incr and decr", [S("set n 5 0 2\r\n10\r\n"), S("incr n 5\r\n"), S("decr n 3\r\n"),
                       S("get n\r\n")]),
    ("decr shrinking keeps length", [S("set n 0 0 3\r\n100\r\n"), S("decr n 1\r\n"),
                                     S("get n\r\n")]),
    ("incr growing", [S("set n 0 0 2\r\n99\r\n"), S("incr n 1\r\n"), S("get n\r\n")]),
    ("incr missing", [S("incr nokey 1\r\n"), S("decr nokey 1\r\n")]),
    ("incr wraps at 2 to the 64",
     [S("set n 0 0 20\r\n18446744073709551615\r\n"), S("incr n 1\r\n"), S("get n\r\n"),
      S("incr n 18446744073709551615\r\n")]),
    ("incr by max delta", [S("set n 0 0 1\r\n2\r\n"), S("incr n 18446744073709551615\r\n")]),
    ("decr floors at zero", [S("set n 0 0 1\r\n3\r\n"), S("decr n 10\r\n"), S("get n\r\n"),
                             S("decr n 1\r\n")]),
    ("incr non numeric value", [S("set n 0 0 3\r\nabc\r\n"), S("incr n 1\r\n"),
                                S("decr n 1\r\n")]),
    ("incr value with trailing garbage", [S("set n 0 0 2\r\n5x\r\n"), S("incr n 1\r\n")]),
    ("incr empty value", [S("set n 0 0 0\r\n\r\n"), S("incr n 1\r\n")]),
    ("incr value with leading spaces",
     [S("set n 0 0 4\r\n  12\r\n"), S("incr n 1\r\n"), S("get n\r\n")]),
    ("incr value with trailing space", [S("set n 0 0 3\r\n12 \r\n"), S("incr n 1\r\n"),
                                        S("get n\r\n")]),
    ("incr 20 digit value", [S("set n 0 0 20\r\n10000000000000000000\r\n"),
                             S("incr n 1\r\n"), S("get n\r\n")]),
    ("incr 21 digit value", [S("set n 0 0 21\r\n100000000000000000000\r\n"),
                             S("incr n 1\r\n")]),
    ("incr value with leading zeros",
     [S("set n 0 0 23\r\n00000000000000000000001\r\n"), S("incr n 1\r\n"), S("get n\r\n")]),
    ("incr negative value", [S("set n 0 0 2\r\n-5\r\n"), S("incr n 1\r\n")]),
    ("incr invalid delta", [S("set n 0 0 1\r\n1\r\n"), S("incr n abc\r\n"),
                            S("decr n x1\r\n"), S("get n\r\n")]),
    ("incr negative delta", [S("set n 0 0 1\r\n1\r\n"), S("incr n -1\r\n")]),
    ("incr overflowing delta", [S("set n 0 0 1\r\n1\r\n"),
                                S("incr n 18446744073709551616\r\n")]),
    ("incr wrong token count", [S("incr n\r\n"), S("incr\r\n"), S("incr n 1 2 3\r\n")]),
    ("incr keeps flags", [S("set n 42 0 1\r\n1\r\n"), S("incr n 1\r\n"), S("get n\r\n")]),
    ("incr key of 251 bytes", [S("incr %s 1\r\n" % K251)]),
]

FLUSH_VERBOSITY = [
    ("flush_all", [S("set a 0 0 1\r\nx\r\n"), S("flush_all\r\n"), S("get a\r\n")]),
    ("flush_all zero delay", [S("set a 0 0 1\r\nx\r\n"), S("flush_all 0\r\n"),
                              S("get a\r\n")]),
    ("flush_all noreply", [S("set a 0 0 1\r\nx\r\n"), S("flush_all noreply\r\n"),
                           S("get a\r\n")]),
    ("flush_all bad delay", [S("set a 0 0 1\r\nx\r\n"), S("flush_all abc\r\n"),
                             S("get a\r\n")]),
    # A delay of 2, not 1: memcached's flush_all 1 also drops what is stored in
    # the same second, which is no part of what this case compares.
    ("flush_all too many tokens", [S("flush_all 2 3 4\r\n"), S("flush_all\r\n")]),
    ("flush_all then set works", [S("flush_all\r\nset a 0 0 1\r\nx\r\nget a\r\n")]),
    ("verbosity", [S("verbosity 1\r\n"), S("verbosity 0 noreply\r\n"),
                   S("verbosity\r\n")]),
    ("verbosity non numeric", [S("verbosity abc\r\n")]),
    ("verbosity too many tokens", [S("verbosity 1 2 3\r\n")]),
    ("version", [S("version\r\n")]),
]

NOREPLY = [
    ("noreply storage commands",
     [S("set a 1 0 1 noreply\r\nx\r\n"), S("add a 0 0 1 noreply\r\ny\r\n"),
      S("add b 2 0 1 noreply\r\nb\r\n"), S("replace a 3 0 2 noreply\r\nxx\r\n"),
      S("replace nokey 0 0 1 noreply\r\nq\r\n"), S("append a 0 0 1 noreply\r\n>\r\n"),
      S("prepend a 0 0 1 noreply\r\n<\r\n"), S("append nokey 0 0 1 noreply\r\nq\r\n"),
      S("get a b nokey\r\n")]),
    ("noreply cas", [S("set a 0 0 1\r\nx\r\n"), S("gets a\r\n"),
                     S("cas a 0 0 1 $CAS(a) noreply\r\ny\r\n"),
                     S("cas a 0 0 1 $CAS(a) noreply\r\nz\r\n"),
                     S("cas nokey 0 0 1 1 noreply\r\nz\r\n"), S("get a\r\n")]),
    ("noreply delete incr decr touch",
     [S("set a 0 0 1\r\n5\r\nset b 0 0 1\r\nx\r\n"), S("incr a 10 noreply\r\n"),
      S("decr a 3 noreply\r\n"), S("incr nokey 1 noreply\r\n"),
      S("touch b 100 noreply\r\n"), S("touch nokey 1 noreply\r\n"),
      S("delete b noreply\r\n"), S("delete b noreply\r\n"), S("get a b\r\n")]),
    ("noreply on error replies",
     [S("set a 0 0 1\r\n1\r\n"), S("incr a abc noreply\r\n"),
      S("set b 0 0 1\r\nabc\r\n"), S("set c 0 0 x noreply\r\n"),
      S("set n 0 0 1\r\nx\r\n"), S("incr n 1 noreply\r\n")]),
    ("noreply bad data chunk", [S("set a 0 0 1 noreply\r\nxyz\r\n"), S("get a\r\n")]),
    ("noreply too large", [S(b"set a 0 0 %d noreply\r\n" % BIG + BIG_VALUE + b"\r\n"),
                           S("get a\r\n")]),
    ("noreply misspelled", [S("set a 0 0 1 noreplyx\r\nx\r\n"), S("get a\r\n")]),
]

PIPELINE_SPLIT = [
    ("pipelined commands in one send",
     [S("set a 0 0 1\r\n1\r\nget a\r\nincr a 5\r\nappend a 0 0 1\r\n0\r\nget a b\r\n"
        "delete a\r\nget a\r\nbogus\r\ntouch a 1\r\nversion\r\n")]),
    ("many pipelined gets", [S("set a 0 0 1\r\n1\r\n"), S("get a\r\n" * 500)]),
    ("ten thousand noreply commands then get",
     [S("".join("set k%d 0 0 1 noreply\r\n%d\r\nincr k%d 1 noreply\r\n" % (i, i % 10, i)
                for i in range(10000)) + "get k0 k9999 k5\r\n")]),
    ("command split across sends",
     [P("se"), P("t a 0 0 5\r"), P("\nhel"), P("lo"), P("\r"), S("\nget a\r\n")]),
    ("get split inside key", [S("set abc 0 0 1\r\nx\r\n"), P("get a"), P("b"), S("c\r\n")]),
    ("split before newline of data", [P("set a 0 0 2\r\nxy"), P("\r"), S("\n"),
                                      S("get a\r\n")]),
    ("bare newline line endings", [S("set a 0 0 1\nx\r\n"), S("get a\n")]),
    ("data ending in bare newline", [S("set a 0 0 1\r\nx\nZ"), S("get a\r\n")]),
    ("carriage return inside line", [S("get a\rb\r\n")]),
]

MALFORMED = [
    ("unknown command", [S("foo\r\n"), S("foo bar baz\r\n")]),
    ("uppercase command", [S("GET a\r\n"), S("SET a 0 0 1\r\nx\r\n")]),
    ("empty line", [S("\r\n")]),
    ("only spaces", [S("   \r\n")]),
    ("leading space before command", [S(" get a\r\n")]),
    ("trailing spaces", [S("set a 0 0 1   \r\nx\r\n"), S("get a   \r\n"),
                         S("incr a 1  \r\n"), S("delete a  \r\n")]),
    ("bad data chunk too long", [S("set a 0 0 3\r\nold\r\n"), S("set a 0 0 3\r\nabcde\r\n"),
                                 S("get a\r\n")]),
    ("bad data chunk missing crlf", [S("set a 0 0 3\r\nold\r\n"), S("set a 0 0 3\r\nabcXY"),
                                     S("get a\r\n")]),
    ("bad data chunk short then more", [P("set a 0 0 3\r\nab\r\n"), S("get a\r\n")]),
    ("bad data chunk on append", [S("set a 0 0 1\r\nx\r\n"), S("append a 0 0 1\r\nyy\r\n"),
                                  S("get a\r\n")]),
    ("value too large is swallowed and old value dropped",
     [S("set a 0 0 3\r\nold\r\n"), S(b"set a 0 0 %d\r\n" % BIG + BIG_VALUE + b"\r\n"),
      S("get a\r\n")]),
    ("value too large append", [S("set a 0 0 3\r\nold\r\n"),
                                S(b"append a 0 0 %d\r\n" % BIG + BIG_VALUE + b"\r\n"),
                                S("get a\r\n")]),
    ("value too large add", [S(b"add a 0 0 %d\r\n" % BIG + BIG_VALUE + b"\r\n"),
                             S("get a\r\n")]),
    ("value just under the item size limit",
     [S(b"set a 0 0 %d\r\n" % (MB - 512) + b"u" * (MB - 512) + b"\r\n"),
      S("get nothing\r\n")]),
    ("value of exactly the item size limit",
     [S(b"set a 0 0 %d\r\n" % MB + b"w" * MB + b"\r\n"), S("get nothing\r\n")]),
    ("line of 3000 bytes", [S("x" * 3000 + "\r\n"), S("get a\r\n")]),
    ("get line of 9000 bytes", [S("get " + " ".join(["key%d" % i for i in range(1200)])
                                  + "\r\n")]),
    ("long line without newline closes", [C("x" * 5000)]),
    ("long set line without newline closes", [C("set " + "k" * 5000)]),
    ("line over 16k with newline", [C("y" * 20000 + "\r\n")]),
    ("long get without newline waits",
     [P("get " + " ".join(["g%d" % i for i in range(800)])), S("\r\n")]),
    ("quit closes", [C("quit\r\n")]),
    ("quit after pipelined get", [S("set a 0 0 1\r\nx\r\n"), C("get a\r\nquit\r\nget a\r\n")]),
    ("quit with argument", [S("quit now\r\n")]),
    ("stats with unknown argument", [S("stats nonsense\r\n")]),
    ("nul byte in command", [S(b"get a\x00b\r\n")]),
    ("high bytes in key", [S(b"set \xc3\xa9 0 0 1\r\nx\r\n"), S(b"get \xc3\xa9\r\n")]),
]

EXPIRY = [
    ("exptime minus one is already expired",
     [S("set a 0 -1 1\r\nx\r\n"), S("get a\r\n"), S("add a 0 0 1\r\ny\r\n"),
      S("get a\r\n")]),
    ("absolute exptime", [S("set a 0 $NOW(+1000) 1\r\nx\r\nset b 0 $NOW(-1000) 1\r\ny\r\n"),
                          S("get a b\r\n")]),
    ("exptime 30 days is relative, one more is absolute",
     [S("set a 0 2592000 1\r\nx\r\nset b 0 2592001 1\r\ny\r\n"), S("get a b\r\n")]),
    ("touch and gat in the past", [S("set a 0 0 1\r\nx\r\nset b 0 0 1\r\ny\r\n"),
                                   S("touch a $NOW(-10)\r\ngat $NOW(-10) b\r\n"),
                                   S("get a b\r\n")]),
    ("expiry after two seconds",
     # exptime 2 has at most one second of slack on memcached's clock, so
     # "still there now" and "gone after 2.2s" are both certain.
     [S("set a 0 2 1\r\nx\r\nset b 0 0 1\r\ny\r\nset c 0 2 1\r\nz\r\nset d 0 2 1\r\nw\r\n"
        "set e 0 100 1\r\nv\r\n"),
      S("touch b 2\r\ngat 100 c\r\ntouch d 0\r\ngat 2 e\r\n"),
      S("get a b c d e\r\n"),
      Sleep(2.2),
      S("get a b c d e\r\n"), S("incr a 1\r\nappend b 0 0 1\r\nq\r\nadd a 0 0 1\r\nn\r\n"),
      S("get a b\r\n")]),
    ("flush_all with delay",
     [S("set a 0 0 1\r\nx\r\nflush_all 2\r\nget a\r\n"), Sleep(2.2), S("get a\r\n"),
      S("set a 0 0 1\r\ny\r\n"), S("get a\r\n")]),
    ("flush_all with delay noreply",
     [S("set a 0 0 1\r\nx\r\nflush_all 2 noreply\r\nget a\r\n"), S("flush_all\r\n"),
      S("get a\r\n")]),
]

# Largest values memcached 1.6.18 -I 1m stores, found by bisection: the limit
# counts its item header, the key, and 4 bytes when flags are non-zero.
SIZE_LIMIT = [
    ("size limit key 1 flags 0 fits", [S(b"set a 0 0 1048516\r\n" + b"s" * 1048516 + b"\r\n")]),
    ("size limit key 1 flags 0 one over",
     [S(b"set a 0 0 1048517\r\n" + b"s" * 1048517 + b"\r\n")]),
    ("size limit key 1 flags 1 fits", [S(b"set a 1 0 1048512\r\n" + b"s" * 1048512 + b"\r\n")]),
    ("size limit key 1 flags 1 one over",
     [S(b"set a 1 0 1048513\r\n" + b"s" * 1048513 + b"\r\n")]),
    ("size limit key 250 fits",
     [S(b"set %s 0 0 1048267\r\n" % K250.encode() + b"s" * 1048267 + b"\r\n")]),
    ("size limit key 250 one over",
     [S(b"set %s 0 0 1048268\r\n" % K250.encode() + b"s" * 1048268 + b"\r\n")]),
    # memcached answers only once the whole value is swallowed; answering
    # earlier is fine, so the fragments are not read on their own.
    ("too large value split across sends",
     [S("set a 0 0 3\r\nold\r\n"),
      P(b"set a 0 0 2000000\r\n" + b"p" * 700000, pause=0.1, read=False),
      P(b"p" * 700000, pause=0.1, read=False), S(b"p" * 600000 + b"\r\nget a\r\n")]),
    ("too large noreply then pipelined get",
     [S(b"set b 0 0 1\r\nb\r\nset a 0 0 %d noreply\r\n" % BIG + BIG_VALUE +
        b"\r\nget a b\r\n")]),
]

BYTE_AT_A_TIME = [
    ("storage and retrieval one byte at a time",
     [D("set a 3 0 5\r\nab\r\nd\r\nget a b\r\ngets a\r\nincr a 1\r\n")]),
    ("cas and arith one byte at a time",
     [S("set n 0 0 2\r\n10\r\n"), S("gets n\r\n"),
      D("cas n 0 0 2 $CAS(n) noreply\r\n20\r\nincr n 5\r\ndecr n 100\r\ntouch n 10\r\n"
        "delete n\r\nget n\r\n")]),
    ("errors one byte at a time",
     [D("bogus\r\nset a 0 0 x\r\nset a 0 0 1\r\nxy\r\nget %s\r\n\r\n" % K251)]),
]

MORE_MALFORMED = [
    ("tab is not a separator", [S("get\ta\r\n"), S("set\ta 0 0 1\r\nx\r\n")]),
    ("error in the middle of a pipeline",
     [S("set a 0 0 1\r\nx\r\nbogus\r\nget a\r\nset a 0 0 z\r\nget a\r\n")]),
    ("bytes with leading zeros", [S("set a 0 0 01\r\nx\r\n"), S("get a\r\n")]),
    ("incr delta with plus sign", [S("set n 0 0 1\r\n1\r\n"), S("incr n +4\r\n")]),
    ("incr value just over 64 bits",
     [S("set n 0 0 20\r\n18446744073709551616\r\n"), S("incr n 1\r\n")]),
    ("decr at zero", [S("set n 0 0 1\r\n0\r\n"), S("decr n 1\r\n"), S("incr n 0\r\n")]),
    ("incr result used by gets",
     [S("set n 7 0 1\r\n9\r\n"), S("incr n 1\r\n"), S("gets n\r\n")]),
    ("touch and gat key of 251 bytes", [S("touch %s 1\r\n" % K251), S("gat 1 %s\r\n" % K251),
                                        S("gets %s\r\n" % K251)]),
    ("key of 250 bytes everywhere",
     [S("set %s 0 0 1\r\n1\r\n" % K250), S("incr %s 1\r\n" % K250),
      S("touch %s 10\r\n" % K250), S("gat 10 %s\r\n" % K250), S("delete %s\r\n" % K250)]),
    ("negative exptime overflow", [S("set a 0 -99999999999 1\r\nx\r\n"), S("get a\r\n")]),
    ("flush_all negative delay", [S("set a 0 0 1\r\nx\r\n"), S("flush_all -1\r\n"),
                                  S("get a\r\n")]),
    ("verbosity noreply only", [S("verbosity noreply\r\n")]),
    ("cas noreply with wrong token count", [S("cas a 0 0 noreply\r\nx\r\n")]),
    ("touch with extra token", [S("set a 0 0 1\r\nx\r\n"), S("touch a 10 junk\r\n")]),
    ("delete with noreply and junk", [S("set a 0 0 1\r\nx\r\n"), S("delete a junk\r\n"),
                                      S("get a\r\n")]),
    ("nul byte in key of set", [S(b"set a\x00b 0 0 1\r\nx\r\n"), S(b"get a\x00b\r\n")]),
    ("get with 250 byte keys in a long line",
     [S("set %s 0 0 1\r\nx\r\n" % K250), S("get " + " ".join([K250] * 12) + "\r\n")]),
    ("line of exactly 2048 bytes without newline then newline",
     [P("set " + "x" * 2044), S("\r\n")]),
    ("line of 2049 bytes without newline", [C("set " + "x" * 2045)]),
]

EDGES = [
    ("append past the item size limit",
     [S(b"set a 0 0 1048000\r\n" + b"a" * 1048000 + b"\r\n"),
      S(b"append a 0 0 1000\r\n" + b"b" * 1000 + b"\r\n"),
      S(b"prepend a 0 0 1000\r\n" + b"c" * 1000 + b"\r\n"), S("gets nothing\r\n")]),
    ("commands on an expired item",
     [S("set a 0 -1 1\r\n5\r\n"), S("cas a 0 0 1 1\r\nx\r\n"), S("touch a 10\r\n"),
      S("incr a 1\r\n"), S("append a 0 0 1\r\nx\r\n"), S("replace a 0 0 1\r\nx\r\n"),
      S("delete a\r\n"), S("gat 10 a\r\n")]),
] + [
    ("get with %d keys" % n,
     [S("set h 0 0 1\r\nh\r\n"),
      S("get " + " ".join("h" if i % 3 == 0 else "m%d" % i for i in range(n)) + "\r\n")])
    for n in (22, 23, 24, 25, 47, 48, 49)
]

# Numbers other than <bytes> and the storage commands' flags and exptime:
# digits alone, a '-' only where a sign is allowed, no 32-bit wrap. Every
# verbosity level here reads as 0 where it is accepted.
NUMBERS = [
    ("cas unique with a sign or a tab",
     [S("set k 0 0 1\r\na\r\n"), S("cas k 0 0 1 +1\r\nb\r\n"), S("cas k 0 0 1 -0\r\nb\r\n"),
      S("cas k 0 0 1 1\t\r\nb\r\n"), S("get k\r\n")]),
    ("touch and gat exptime digits alone",
     [S("set k 0 0 1\r\na\r\n"), S("touch k +1\r\n"), S("touch k 1\t\r\n"),
      S("touch k 2147483648\r\n"), S("touch k 4294967296\r\n"), S("touch k -2147483649\r\n"),
      S("gat +1 k\r\n"), S("gat 2147483648 k\r\n"), S("get k\r\n")]),
    ("flush_all delay digits alone",
     [S("set k 0 0 1\r\na\r\n"), S("flush_all +1\r\n"), S("flush_all 1\t\r\n"),
      S("flush_all 2147483648\r\n"), S("flush_all 4294967296\r\n"), S("get k\r\n")]),
    ("verbosity level digits alone",
     [S("verbosity +0\r\n"), S("verbosity -0\r\n"), S("verbosity 0\t\r\n"),
      S("verbosity 4294967296\r\n"), S("verbosity 00\r\n")]),
]

ALL = (STORAGE + RETRIEVAL + TOUCH_DELETE + ARITH + FLUSH_VERBOSITY + NOREPLY +
       PIPELINE_SPLIT + MALFORMED + EXPIRY + SIZE_LIMIT + BYTE_AT_A_TIME + MORE_MALFORMED +
       EDGES + NUMBERS)

# Cases where memgate differs from memcached on purpose. name -> reason.
# Each must be a real design decision (not a bug waiting for a fix).
DELIBERATE_DIFFERENCES = {
}

# memgate follows memcached 1.6.45 where it answers differently from 1.6.18.
# New cases for what changed, run against 1.6.45 only.
CASES_1_6_45 = [
    ("cas empty unique with a trailing space swallows the value",
     [S("set a 0 0 6\r\nfoobar\r\n"), S("cas a 0 0 6 \r\nfoobar\r\n"), S("get a\r\n")]),
    ("cas empty unique waits for the value it swallows",
     [P("cas a 0 0 6 \r\n", read=False), S("foobar\r\nget a\r\n")]),
    ("cas short value swallowed then the rest runs",
     [S("cas a 0 0 3\r\nfoobar\r\nmn\r\n")]),
    ("cas unique noreply silences and swallows",
     [S("cas a 0 0 6 noreply\r\nfoobar\r\nget a\r\n")]),
    ("cas more tokens than it reads",
     [S("set a 0 0 1\r\nx\r\n"), S("cas a 0 0 6 1 2 3\r\nfoobar\r\nget a\r\n")]),
    ("storage commands with trailing spaces",
     [S("set a 0 0 1 \r\nx\r\n"), S("add a 0 0 1  \r\ny\r\n"),
      S("replace a 0 0 1 \r\nz\r\n"), S("append a 0 0 1 \r\nw\r\n"),
      S("prepend a 0 0 1 \r\nv\r\n"), S("set b 0 0 1 noreply \r\nx\r\n"),
      S("get a b\r\n")]),
    ("storage bad flags swallow the value, noreply silences",
     [S("set a abc 0 6\r\nfoobar\r\n"), S("add a 0 abc 6 noreply\r\nfoobar\r\nmn\r\n")]),
    ("storage bad bytes is answered even with noreply",
     [S("set a 0 0 abc noreply\r\nfoobar\r\n"), S("set a 0 noreply\r\n")]),
    ("storage bytes with white space after",
     [S("set a 0 0 6\t\r\nfoobar\r\n"), S("set a 0 0 6 \t\r\nfoobar\r\n"), S("get a\r\n")]),
    ("storage 24 and more tokens",
     [S("set a 0 0 1" + "".join(" %d" % i for i in range(25)) + " noreply\r\nx\r\n"),
      S("get a\r\n")]),
    ("blank lines", [S(" \r\n"), S(" \n"), S("\r\n"), S("\n"), S("\t\r\n"), S("\r\r\n")]),
    ("lines of one byte and of two", [S("x\r\n"), S(b"\x00\r\n"), S("  \r\n"), S(" x\r\n")]),
    ("blank lines pipelined", [S(" \r\n\nversion\r\n \r\nmn\r\n")]),
    ("nul byte inside a command line",
     [S(b"version\x00\r\n"), S(b"mn\x00\r\n"), S(b"\x00abc\r\n")]),
    ("slabs automove levels",
     [S("slabs automove 0\r\n"), S("slabs automove 1\r\n"), S("slabs automove 2\r\n"),
      S("slabs automove 3\r\n"), S("slabs automove 1 2\r\n"), S("slabs automove 0\r\n")]),
    ("slabs automove bad values",
     [S("slabs automove x\r\n"), S("slabs automove -1\r\n"), S("slabs automove +1\r\n"),
      S("slabs automove 4294967297\r\n"), S("slabs automove\r\n"), S("slabs\r\n"),
      S("slabs automove x noreply\r\n"), S("slabs automove 3 noreply\r\n")]),
    ("slabs automove ratio",
     [S("slabs automove ratio x\r\n"), S("slabs automove ratio\r\n")]),
]

# Cases of ALL that 1.6.45 answers differently from 1.6.18: the run against
# 1.6.18 skips them, the run against 1.6.45 checks them. name -> what changed.
_TOKENS = "storage: too few tokens or a bad number is CLIENT_ERROR, extra tokens are ignored"
_SWALLOW = "storage: a refusal after <bytes> swallows the value"
_BYTES = "storage: <bytes> is digits alone"
_SHORT = "a line under two bytes is CLIENT_ERROR bad command line format"
_NUL = "a NUL is a byte like any other"
_COUNT = ("too few tokens is CLIENT_ERROR bad command line format, extra tokens are ignored, "
          "noreply is the last token")
_DELETE = "delete ignores what follows the key"
_DELTA = "a delta is digits alone"
_LEADING = "a line that starts with a space is ERROR"
_LONG_KEY = "a key over 250 bytes in a get line is followed by an empty line"
_NUMBER = "cas unique, touch/gat/flush_all exptime and verbosity level are digits alone, no wrap"
CHANGED_SINCE_1_6_18 = {
    "append bad numbers": _SWALLOW,
    "bad data chunk on append": _SHORT,
    "bad data chunk too long": _SHORT,
    "cas missing unique token": _SWALLOW,
    "cas negative unique": _SWALLOW,
    "cas non digit unique": _SWALLOW,
    "cas noreply with wrong token count": _TOKENS,
    "cas overflowing unique": _SWALLOW,
    "cas unique with a sign or a tab": _NUMBER,
    "delete too many tokens": _DELETE,
    "delete with nonzero time": _DELETE,
    "delete with noreply and junk": _DELETE,
    "delete without key": _COUNT,
    "empty line": _SHORT,
    "errors one byte at a time": _SHORT,
    "flush_all delay digits alone": _NUMBER,
    "flush_all too many tokens": _COUNT,
    "gat without key": _COUNT,
    "get key of 251 bytes": _LONG_KEY,
    "get trailing space": _COUNT,
    "get without key": _COUNT,
    "gets without key": _COUNT,
    "incr delta with plus sign": _DELTA,
    "incr wrong token count": _COUNT,
    "leading space before command": _LEADING,
    "line of exactly 2048 bytes without newline then newline": _SHORT,
    "long key among valid keys": _LONG_KEY,
    "noreply bad data chunk": _SHORT,
    "noreply on error replies": _TOKENS,
    "nul byte in key of set": _NUL,
    "set bytes with plus sign": _BYTES,
    "set key of 251 bytes": _SWALLOW,
    "set negative bytes": _SHORT,
    "set negative flags": _SWALLOW,
    "set non digit bytes": _SHORT,
    "set non digit exptime": _SWALLOW,
    "set non digit flags": _SWALLOW,
    "set only verb": _TOKENS,
    "set overflowing bytes": _BYTES,
    "set overflowing exptime": _SWALLOW,
    "set too few tokens": _TOKENS,
    "set too many tokens": _TOKENS,
    "tab is not a separator": _SHORT,
    "touch and gat exptime digits alone": _NUMBER,
    "touch and gat key of 251 bytes": _LONG_KEY,
    "touch wrong token count": _COUNT,
    "uppercase command": _SHORT,
    "verbosity": _COUNT,
    "verbosity level digits alone": _NUMBER,
    "verbosity too many tokens": _COUNT,
}
