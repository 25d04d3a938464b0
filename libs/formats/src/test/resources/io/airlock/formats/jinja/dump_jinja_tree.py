# Reads templates (one JSON string per line on stdin) and writes, per template, one line:
# "OK <tree>" with jinja2's own syntax tree in the canonical text form of io.airlock.formats.jinja.Node,
# or "ERR <message>" when jinja2 refuses to parse it. argv[1] is "plain" (jinja2's defaults) or
# "transformers" (trim_blocks and lstrip_blocks, as transformers renders chat templates).
# Both parse with loopcontrols, do and a generation tag shaped as transformers' AssistantTracker's.
import json
import struct
import sys

import jinja2
from jinja2 import nodes
from jinja2.ext import Extension


class Generation(Extension):
    tags = {"generation"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(["name:endgeneration"], drop_needle=True)
        return nodes.CallBlock(self.call_method("_generation_support"), [], [], body).set_lineno(lineno)


def quote(s):
    out = ['"']
    units = s.encode("utf-16-le", "surrogatepass")
    for i in range(0, len(units), 2):
        c = units[i] | (units[i + 1] << 8)
        if c in (0x22, 0x5C):
            out.append("\\" + chr(c))
        elif 0x20 <= c < 0x7F:
            out.append(chr(c))
        else:
            out.append("\\u%04x" % c)
    out.append('"')
    return "".join(out)


def canon(v):
    if isinstance(v, nodes.ExtensionAttribute):
        return "ExtensionAttribute(name=" + quote(v.name) + ")"
    if isinstance(v, nodes.Node):
        return type(v).__name__ + "(" + ",".join(f + "=" + canon(getattr(v, f)) for f in v.fields) + ")"
    if isinstance(v, list):
        return "[" + ",".join(canon(x) for x in v) + "]"
    if isinstance(v, tuple):
        return "(" + ",".join(canon(x) for x in v) + ")"
    if isinstance(v, str):
        return quote(v)
    if v is None:
        return "None"
    if isinstance(v, bool):
        return "True" if v else "False"
    if isinstance(v, int):
        return "int:" + str(v)
    if isinstance(v, float):
        return "float:" + str(struct.unpack("<q", struct.pack("<d", v))[0])
    raise TypeError(type(v).__name__)


def main():
    transformers = sys.argv[1] == "transformers"
    env = jinja2.Environment(trim_blocks=transformers, lstrip_blocks=transformers,
                             extensions=["jinja2.ext.loopcontrols", "jinja2.ext.do", Generation])
    for line in sys.stdin:
        src = json.loads(line)
        try:
            tree = canon(env.parse(src))
            print("OK " + tree)
        except jinja2.TemplateSyntaxError as e:
            print("ERR " + json.dumps(str(e)))
        except RecursionError:
            print("ERR " + json.dumps("recursion"))
    sys.stdout.flush()


main()
