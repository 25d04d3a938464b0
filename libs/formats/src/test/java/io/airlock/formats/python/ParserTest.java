package io.airlock.formats.python;

import io.airlock.formats.python.Ast.*;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class ParserTest {
    @Test
    void parsesTheShapesKernelsUse() throws Exception {
        PyModule m = Parser.parse("""
                import torch, triton.language as tl
                from torch.utils.cpp_extension import load_inline as li
                from . import sibling
                x: int = 3
                a, *b = c = (1, 2, 3)
                y += x ** -2 // 3 @ z
                @triton.jit
                def k(p, q: 'T' = None, *args, kw=1, **more) -> None:
                    '''docstring mentioning torch.cuda.synchronize = lambda: None'''
                    r = [i * 2 for i in range(10) if i % 2 if i > 2]
                    s = {k: v for k, v in d.items()}
                    t = f"{p!r:>{width}} and {{literal}} {q.shape[0] + 1=}"
                    u = lambda a, b=2, *c, **d: a if b else (yield_ := 3)
                    with torch.no_grad(), open(f) as (g):
                        pass
                    try:
                        pass
                    except (ValueError, TypeError) as e:
                        raise RuntimeError("x") from e
                    else:
                        pass
                    finally:
                        del r[0], s
                    while not p is not None and q not in r or -~x:
                        break
                    else:
                        continue
                    return x[1:2, ::3, ...]
                class M(torch.nn.Module, metaclass=Meta):
                    async def forward(self, x):
                        async with a as b:
                            await b
                        async for i in aiter():
                            yield i
                        return x
                global_ = 1; other = 2
                if a:
                    pass
                elif b:
                    pass
                else:
                    pass
                """);
        assertThat(m.body()).hasSize(11);
        FunctionDef k = (FunctionDef) m.body().get(6);
        assertThat(k.decorators()).hasSize(1);
        assertThat(k.params()).extracting(Param::name).containsExactly("p", "q", "args", "kw", "more");
        Assign t = (Assign) k.body().get(3);
        FStr f = (FStr) t.value();
        assertThat(f.values()).hasSize(3);
        assertThat(f.literal()).contains("{literal}");
    }

    @Test
    void matchIsAStatementOnlyWhereItStartsOne() throws Exception {
        PyModule m = Parser.parse("""
                match = re.match(r"x", s)
                match(a, b)
                match.group(0)
                match command.split():
                    case [action]:
                        pass
                    case ["go", ("north" | "south") as direction, *rest] if rest:
                        pass
                    case Point(x=0, y=yy) | {"k": -1.5, **others}:
                        pass
                    case 1 + 2j | None | ast.Name():
                        pass
                    case _:
                        match inner:
                            case (a, b,):
                                pass
                """);
        assertThat(m.body()).hasSize(4);
        assertThat(m.body().get(0)).isInstanceOf(Assign.class);
        assertThat(m.body().get(1)).isInstanceOf(ExprStmt.class);
        Match match = (Match) m.body().get(3);
        assertThat(match.cases()).hasSize(5);
        assertThat(match.cases().get(1).guard()).isInstanceOf(Name.class);
        assertThat(match.cases().get(2).pattern()).isInstanceOf(BinOp.class);
        assertThat(match.cases().get(4).body().get(0)).isInstanceOf(Match.class);
        assertThatThrownBy(() -> Parser.parse("match x:\n    case [1, 2:\n        pass\n"))
                .isInstanceOf(PySyntaxError.class);
        assertThatThrownBy(() -> Parser.parse("match x:\n    case " + "[".repeat(10_000) + "\n"))
                .isInstanceOf(PySyntaxError.class);
    }

    @Test
    void fStringFieldsAreParsedAsCode() throws Exception {
        PyModule m = Parser.parse("x = f\"{exec(payload)}\"\n");
        FStr f = (FStr) ((Assign) m.body().get(0)).value();
        assertThat(f.values().get(0)).isInstanceOf(Call.class);
        assertThat(((Name) ((Call) f.values().get(0)).func()).id()).isEqualTo("exec");
    }

    /** The value of the f-string assigned on the first line of {@code src}. */
    private static FStr fstring(String src) throws Exception {
        return (FStr) ((Assign) Parser.parse(src).body().get(0)).value();
    }

    /** PEP 701 (Python 3.12+): strings in the same quotes, nested f-strings, backslashes and line breaks in fields. */
    @Test
    void fStringsParseAsPython312ParsesThem() throws Exception {
        FStr same = fstring("x = f\"key {names[\"x\"]} {f\"{a.dtype}\"}\"\n");
        assertThat(same.values()).hasSize(2);
        assertThat(same.values().get(0)).isInstanceOf(Subscript.class);
        assertThat(same.values().get(1)).isInstanceOf(FStr.class);
        assertThat(((FStr) same.values().get(1)).values().get(0)).isInstanceOf(Attr.class);
        FStr lines = fstring("x = f\"{\n    exec(\n        payload)\n}\"\n");
        assertThat(((Name) ((Call) lines.values().get(0)).func()).id()).isEqualTo("exec");
        FStr backslash = fstring("x = f\"{'\\n'.join(parts)}\"\n");
        assertThat(backslash.values().get(0)).isInstanceOf(Call.class);
        FStr spec = fstring("x = f\"{v:{width}.{prec}f} {w!r:>10} {{literal}}\"\n");
        assertThat(spec.values()).hasSize(4);
        assertThat(spec.literal()).contains("{literal}");
        FStr named = fstring("x = f\"\\N{BULLET} {v}\"\n");
        assertThat(named.values()).hasSize(1);
    }

    /** CPython decodes a literal part's escapes after splitting the fields: an escaped brace is text. */
    @Test
    void fStringEscapesAreDecodedAfterTheFieldsAreSplit() throws Exception {
        FStr f = fstring("x = f\"\\x7bexec(payload)\\x7d {y}\"\n");
        assertThat(f.values()).hasSize(1);
        assertThat(((Name) f.values().get(0)).id()).isEqualTo("y");
        assertThat(f.literal()).startsWith("{exec(payload)}");
        FStr raw = fstring("x = rf\"\\d+ {y}\"\n");
        assertThat(raw.literal()).isEqualTo("\\d+ ");
    }

    /** The text CPython's JoinedStr holds: format specs and the source of {@code =} debug fields (CPythonConformanceTest found them missing). */
    @Test
    void fStringTextHoldsFormatSpecsAndDebugFieldsAsCPythonDoes() throws Exception {
        assertThat(fstring("x = f\"took {t:.3f}ms {n = !r} {v:{w}d}\"\n").literal()).isEqualTo("took .3fms n =  d");
        assertThat(((Const) ((Assign) Parser.parse("x = '\\N{BULLET}'\n").body().get(0)).value()).value()).isEqualTo("\u2022");
        assertThatThrownBy(() -> Parser.parse("x = '\\N{NO SUCH CHARACTER NAME}'\n")).isInstanceOf(PySyntaxError.class);
    }

    /** What CPythonConformanceTest found read differently from CPython 3.13's standard library and tests, each as CPython reads it. */
    @Test
    void readsWhatCPythonsOwnLibraryAndTestsFoundDifferent() throws Exception {
        // with (a() as b, c()): two items (3.9+); with (a, b) as c: one
        With two = (With) Parser.parse("with (open(a) as f, open(b) as g,):\n    pass\n").body().get(0);
        assertThat(two.items()).extracting(i -> ((Name) i.target()).id()).containsExactly("f", "g");
        assertThat(((With) Parser.parse("with (a, b):\n    pass\n").body().get(0)).items()).hasSize(2);
        assertThat(((With) Parser.parse("with (a, b) as c:\n    pass\n").body().get(0)).items()).hasSize(1);
        // a number ends where CPython's tokenizer ends it: 1.5e100.__format__ is an attribute of a number
        Expr call = ((ExprStmt) Parser.parse("1.5e100.__format__('e')\n").body().get(0)).value();
        assertThat(((Attr) ((Call) call).func()).attr()).isEqualTo("__format__");
        // tuple[*Ts] indexes with a tuple; *args: *Ts annotates with a starred expression (3.11)
        Subscript sub = (Subscript) ((ExprStmt) Parser.parse("tuple[*Ts]\n").body().get(0)).value();
        assertThat(sub.index()).isInstanceOf(Seq.class);
        FunctionDef f = (FunctionDef) Parser.parse("def f(*args: *Ts): pass\n").body().get(0);
        assertThat(f.params().get(0).annotation()).isInstanceOf(Starred.class);
        // 3.12 f-string fields: comments, and triple-quoted strings holding their quote character
        FStr commented = fstring("x = f'''{\n40 # it's forty }\n+ exec(p)\n}'''\n");
        assertThat(((BinOp) commented.values().get(0)).right()).isInstanceOf(Call.class);
        assertThat(((Const) fstring("x = f\"{'''eric's'''}\"\n").values().get(0)).value()).isEqualTo("eric's");
        assertThat(fstring("x = f\"{v:'^#10}\"\n").literal()).isEqualTo("'^#10");
        assertThat(fstring("x = f\"{1+2 = # my comment\n  }\"\n").literal()).isEqualTo("1+2 = \n  ");
        // identifiers are Unicode identifiers: a currency sign is none, a letter outside the BMP is one
        assertThatThrownBy(() -> Parser.parse("a\u20ac = 1\n")).isInstanceOf(PySyntaxError.class);
        assertThat(((Name) ((Assign) Parser.parse("\ud835\udd18 = 1\n").body().get(0)).targets().get(0)).id()).isEqualTo("U");
    }

    /** Under a declared utf-7, CPython reads +AAo- as a line break: the comment below is code to CPython. */
    @Test
    void aSourceInAnotherDeclaredEncodingIsRefused() throws Exception {
        assertThatThrownBy(() -> Parser.parse("# -*- coding: utf-7 -*-\n# +AAo-exec(payload)\n"))
                .isInstanceOf(PySyntaxError.class).hasMessageContaining("utf-7");
        assertThatThrownBy(() -> Parser.parse("#!/usr/bin/env python\n# vim: set fileencoding=koi8-r :\nx = '\u0436'\n"))
                .hasMessageContaining("koi8-r");
        assertThatThrownBy(() -> Parser.parse("\ufeff# coding: latin-1\nx = 1\n")).hasMessageContaining("latin-1");
        assertThatCode(() -> Parser.parse("# coding: utf-8\nx = '\u00e9'\n")).doesNotThrowAnyException();
        assertThatCode(() -> Parser.parse("# coding: latin-1\nx = 1\n")).doesNotThrowAnyException();
        assertThatCode(() -> Parser.parse("x = 1\n# coding: utf-7\n")).doesNotThrowAnyException(); // below code: no declaration
    }

    /** CPython normalizes identifiers to NFKC: a fullwidth name is the ASCII one. */
    @Test
    void identifiersAreNormalizedAsCPythonDoes() throws Exception {
        PyModule m = Parser.parse("\uff45\uff58\uff45\uff43(payload)\n");
        Call c = (Call) ((ExprStmt) m.body().get(0)).value();
        assertThat(((Name) c.func()).id()).isEqualTo("exec");
    }

    @Test
    void hostileInputEndsInASyntaxErrorNeverACrash() {
        List<String> hostile = new ArrayList<>(List.of(
                "(".repeat(10_000) + "1" + ")".repeat(10_000),
                "x = " + "-".repeat(100_000) + "1\n",
                "x = " + "not ".repeat(50_000) + "y\n",
                "x = 'unterminated\n",
                "x = '''never closed",
                "a\0b = 1\n",
                "if x:\n\tif y:\n        pass\n",
                "def f(:\n",
                "x = " + "a if b else ".repeat(20_000) + "c\n",
                "x = " + "lambda: ".repeat(20_000) + "1\n",
                "x = " + "[".repeat(300),
                "x = f'{' + '\n",
                "x = f\"{" + "(".repeat(500) + "\"\n",
                "x = 1 +\n",
                "  indented = 1\n",
                ")\n",
                "x = \\ 1\n",
                "x = f'{}'\n"));
        StringBuilder deep = new StringBuilder();
        for (int i = 0; i < 200; i++) {
            deep.append(" ".repeat(i)).append("if x:\n");
        }
        hostile.add(deep.toString());
        for (String h : hostile) {
            assertThatThrownBy(() -> Parser.parse(h)).as("%s", h.substring(0, Math.min(40, h.length())))
                    .isInstanceOf(PySyntaxError.class);
        }
        assertThatThrownBy(() -> Parser.parse("x = 1\n".repeat(Parser.MAX_SOURCE_CHARS / 6 + 1)))
                .hasMessageContaining("characters");
        // long but legal: parsed; past the trailer bound (which keeps every tree shallow enough to walk): refused
        assertThatCode(() -> Parser.parse("x = a" + ".b".repeat(500) + "\n")).doesNotThrowAnyException();
        assertThatThrownBy(() -> Parser.parse("x = a" + ".b".repeat(50_000) + "\n")).hasMessageContaining("trailers");
        assertThatThrownBy(() -> Parser.parse("x = a" + " + a".repeat(50_000) + "\n")).hasMessageContaining("operands");
        assertThatThrownBy(() -> Parser.parse("x" + " = 1".repeat(200_001) + "\n")).hasMessageContaining("tokens");
    }

    @Test
    void errorsSayWhere() {
        assertThatThrownBy(() -> Parser.parse("x = 1\ny = (2,\nz = 3\n"))
                .isInstanceOf(PySyntaxError.class).hasMessageContaining("line");
    }

    /** Conformance: the Python standard library of the machine's interpreter parses, if there is one. */
    @Test
    void parsesThePythonStandardLibrary() throws IOException {
        Path lib = Stream.of("/usr/lib/python3.11", "/root/.pyenv/versions/3.11.7/lib/python3.11", "/usr/lib/python3")
                .map(Path::of).filter(Files::isDirectory).findFirst().orElse(null);
        assumeTrue(lib != null, "no Python standard library on this machine");
        List<String> failures = new ArrayList<>();
        int files = 0;
        try (Stream<Path> s = Files.list(lib)) {
            for (Path p : s.filter(x -> x.toString().endsWith(".py")).sorted().toList()) {
                String src;
                try {
                    src = Files.readString(p, StandardCharsets.UTF_8);
                } catch (IOException e) {
                    continue;
                }
                files++;
                try {
                    Parser.parse(src);
                } catch (PySyntaxError e) {
                    failures.add(p.getFileName() + ": " + e.getMessage());
                }
            }
        }
        System.out.println("[parser] standard library " + lib + ": " + files + " files, " + failures.size() + " failures");
        assertThat(files).isGreaterThan(100);
        assertThat(failures).isEmpty();
    }
}
