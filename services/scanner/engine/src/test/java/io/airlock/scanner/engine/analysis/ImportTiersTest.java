package io.airlock.scanner.engine.analysis;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ImportTiersTest {
    final ImportTiers tiers = ImportTiers.builtin();

    @ParameterizedTest(name = "{0}.{1} is {2}")
    @CsvSource({
            "collections, OrderedDict, SAFE",
            "torch._utils, _rebuild_tensor_v2, SAFE",
            "torch, FloatStorage, SAFE",
            "torch, bfloat16, SAFE",
            "torch.nn.modules.linear, Linear, SAFE",
            "numpy.core.multiarray, _reconstruct, SAFE",
            "builtins, set, SAFE",
            "builtins, eval, DANGEROUS",
            "builtins, __import__, DANGEROUS",
            "os, system, DANGEROUS",
            "os.path, join, DANGEROUS",
            "osx, thing, UNKNOWN",
            "asyncio.unix_events, _UnixSubprocessTransport, DANGEROUS",
            "uuid, UUID, SAFE",
            "uuid, _popen, DANGEROUS",
            "torch.serialization, _get_layout, SAFE",
            "torch.serialization, load, DANGEROUS",
            "torch, load, DANGEROUS",
            "torch.jit._serialization, load, DANGEROUS",
            "pathlib, os.system, DANGEROUS",
            "torch.nn.modules.module, sys, DANGEROUS",
            "torch.nn.modules.module, torch.load, DANGEROUS",
            "mylib, Types, UNKNOWN",
            "collections, OrderedDict.__init__, DANGEROUS",
            "numpy, __builtins__, DANGEROUS",
            "copyreg, __newobj__, SAFE",
            "__main__, Net, UNKNOWN",
            "sklearn.svm, SVC, UNKNOWN",
            "'os ', system, UNKNOWN",
            "os, 'system()', UNKNOWN",
            "types, SimpleNamespace, SAFE",
            "types, CodeType, DANGEROUS",
            "_operator, attrgetter, DANGEROUS",
            "_operator, methodcaller, DANGEROUS",
            "_operator, itemgetter, UNKNOWN",
            "_functools, partial, DANGEROUS",
            "_functools, reduce, DANGEROUS",
            "_functools, cmp_to_key, UNKNOWN",
            "joblib.numpy_pickle, load, DANGEROUS",
            "joblib.numpy_pickle, NumpyArrayWrapper, SAFE",
            "joblib, numpy_pickle.NumpyArrayWrapper, SAFE",
            "joblib.numpy_pickle_compat, load_compatibility, DANGEROUS",
            "numpy._core.memmap, memmap, DANGEROUS",
            "numpy.core.memmap, memmap, DANGEROUS",
            "numpy._core.multiarray, fromfile, DANGEROUS",
            "numpy._core.multiarray, _reconstruct, SAFE",
            "gzip, open, DANGEROUS",
            "gzip, decompress, UNKNOWN",
            "bz2, BZ2File, DANGEROUS",
            "lzma, LZMAFile, DANGEROUS",
            "_codecs, encode, SAFE",
            "antigravity, geohash, DANGEROUS",
            "torch.nn.modules.module, antigravity, DANGEROUS",
            "_frozen_importlib, _gcd_import, DANGEROUS",
            "_frozen_importlib_external, SourceFileLoader, DANGEROUS",
            "_bootsubprocess, check_output, DANGEROUS",
            "winreg, SetValue, DANGEROUS",
            "unittest.__main__, main, DANGEROUS",
            "_tkinter, TkappType.eval, DANGEROUS",
            // a walk ending on a method or function is a call on arguments the pickle chooses
            "pathlib, Path.write_text, DANGEROUS",
            "numpy, ndarray.tofile, DANGEROUS",
            "mylib, Config._private_helper, DANGEROUS",
            // a nested class is what a dotted qualname honestly names
            "mylib, Outer.Inner, UNKNOWN"})
    void judges(String module, String name, ImportTiers.Tier tier) {
        assertThat(tiers.judge(module, name).tier()).isEqualTo(tier);
    }

    @Test
    void theLongestPrefixWinsAndDangerWinsATie() {
        ImportTiers t = ImportTiers.parse("""
                safe\ta.*\tfine
                dangerous\ta.b.*\tbad
                safe\ta.b.ok\texception
                dangerous\tc.*\tbad
                safe\tc*\ta shorter prefix loses
                """);
        assertThat(t.judge("a", "x").tier()).isEqualTo(ImportTiers.Tier.SAFE);
        assertThat(t.judge("a.b", "x").tier()).isEqualTo(ImportTiers.Tier.DANGEROUS);
        assertThat(t.judge("a.b", "ok").tier()).isEqualTo(ImportTiers.Tier.SAFE);
        assertThat(t.judge("c", "x").tier()).isEqualTo(ImportTiers.Tier.DANGEROUS);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "safe\tos.path\n",                         // no reason column
            "trusted\tos.path\tx\ndangerous\ta.b\ty\n", // unknown tier
            "safe\tos path\tx\ndangerous\ta.b\ty\n",    // not a dotted name
            "safe\tos\tx\ndangerous\ta.b\ty\n",         // a bare module without '*'
            "safe\ta.b\tx\ndangerous\ta.b\ty\n",        // listed twice
            "safe\ta.b\t \ndangerous\tc.d\ty\n",        // blank reason
            "safe\ta.b\tx\n",                           // no dangerous tier at all
            "safe\ta.*.b\tx\ndangerous\tc.d\ty\n"})     // '*' in the middle
    void aBadTableIsRefused(String table) {
        assertThatThrownBy(() -> ImportTiers.parse(table)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("import tier table");
    }

    @Test
    void theShippedTableLoads() {
        assertThat(tiers.size()).isGreaterThan(200);
    }
}
