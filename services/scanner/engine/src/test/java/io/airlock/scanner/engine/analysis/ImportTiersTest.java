package io.airlock.scanner.engine.analysis;

import io.airlock.formats.PickleMachine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

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
            "__main__, Net, NEEDS_CODE",
            "builtins, len, UNKNOWN",
            "builtins, getattr, DANGEROUS",
            "torch.nn.modules.module, register_module_forward_hook, UNKNOWN",
            "sklearn.tree._tree, Tree, SAFE",
            "sklearn.svm, SVC, SAFE",
            "sklearn.utils, _joblib_parallel_args, UNKNOWN",
            "sklearn.ensemble._hist_gradient_boosting.binning, _BinMapper, SAFE",
            "sklearn.neighbors._kd_tree, newObj, SAFE",
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
                class\ta.*\tfine
                dangerous\ta.b.*\tbad
                call\ta.b.ok\texception
                dangerous\tc.*\tbad
                class\tc*\ta shorter prefix loses
                """);
        assertThat(t.judge("a", "X").tier()).isEqualTo(ImportTiers.Tier.SAFE);
        assertThat(t.judge("a", "x").tier()).as("a class wildcard admits classes only").isEqualTo(ImportTiers.Tier.UNKNOWN);
        assertThat(t.judge("a.b", "X").tier()).isEqualTo(ImportTiers.Tier.DANGEROUS);
        assertThat(t.judge("a.b", "ok").tier()).isEqualTo(ImportTiers.Tier.SAFE);
        assertThat(t.judge("c", "X").tier()).isEqualTo(ImportTiers.Tier.DANGEROUS);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "call\tos.path\n",                         // no reason column
            "trusted\tos.path\tx\ndangerous\ta.b\ty\n", // unknown tier
            "safe\tos.path\tx\ndangerous\ta.b\ty\n",    // the old tier name: call or class now
            "call\tos path\tx\ndangerous\ta.b\ty\n",    // not a dotted name
            "class\tos\tx\ndangerous\ta.b\ty\n",        // a bare module without '*'
            "call\ta.b\tx\ndangerous\ta.b\ty\n",        // listed twice
            "call\ta.b\t \ndangerous\tc.d\ty\n",        // blank reason
            "call\ta.b\tx\n",                           // no dangerous tier at all
            "class\ta.*.b\tx\ndangerous\tc.d\ty\n",     // '*' in the middle
            "call\ta.*\tx\ndangerous\tc.d\ty\n",        // a call wildcard would admit every function
            "class\ta.B\tx\targs=*\ndangerous\tc.d\ty\n", // args on a class entry
            "call\ta.b\tx\targs=os system\ndangerous\tc.d\ty\n", // not an argument pattern
            "call\ta.b\tx\tversion=_a_version:1.\ndangerous\tc.d\ty\n", // version= on a call entry
            "class\ta.*\tx\tversion=sklearn:1.\ndangerous\tc.d\ty\n"}) // not a _NAME_version key
    void aBadTableIsRefused(String table) {
        assertThatThrownBy(() -> ImportTiers.parse(table)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("import tier table");
    }

    static PickleMachine.Import use(String module, String name, long invoked, long constructed, List<List<String>> args) {
        return new PickleMachine.Import(0, module, name, module, name, "GLOBAL", 0, 1, invoked + constructed, invoked,
                constructed, args, true, java.util.Map.of());
    }

    @Test
    void aCallNeedsAnEntryThatAllowsItAClassOnlyItsName() {
        assertThat(tiers.judge(use("builtins", "len", 1, 0, List.of(List.of("<value>")))).tier())
                .as("a harmless builtin called: HIGH, never CRITICAL").isEqualTo(ImportTiers.Tier.UNLISTED_CALL);
        assertThat(tiers.judge(use("builtins", "len", 0, 0, List.of())).tier()).isEqualTo(ImportTiers.Tier.UNKNOWN);
        assertThat(tiers.judge(use("mylib", "Model", 0, 1, List.of())).tier()).as("constructed only: by name")
                .isEqualTo(ImportTiers.Tier.UNKNOWN);
        assertThat(tiers.judge(use("torch.nn.modules.linear", "Linear", 0, 1, List.of())).tier()).isEqualTo(ImportTiers.Tier.SAFE);
        assertThat(tiers.judge(use("torch.nn.modules.linear", "Linear", 1, 0, List.of(List.of()))).tier())
                .as("a class entry allows construction, not a call").isEqualTo(ImportTiers.Tier.UNLISTED_CALL);
        assertThat(tiers.judge(use("collections", "OrderedDict", 1, 0, List.of(List.of()))).tier()).isEqualTo(ImportTiers.Tier.SAFE);
        assertThat(tiers.judge(use("builtins", "eval", 1, 0, List.of(List.of("'1'")))).tier()).isEqualTo(ImportTiers.Tier.DANGEROUS);
    }

    @Test
    void resolversAreAllowedOnlyWithTheArgumentsTheirEntryNames() {
        assertThat(tiers.judge(use("numpy.core", "_ufunc_reconstruct", 1, 0, List.of(List.of("'numpy'", "'add'")))).tier())
                .isEqualTo(ImportTiers.Tier.SAFE);
        assertThat(tiers.judge(use("numpy.core", "_ufunc_reconstruct", 1, 0, List.of(List.of("'os'", "'system'")))).tier())
                .isEqualTo(ImportTiers.Tier.DANGEROUS);
        assertThat(tiers.judge(use("numpy.core", "_ufunc_reconstruct", 1, 0, List.of(List.of("'numpy'", "'load'")))).tier())
                .isEqualTo(ImportTiers.Tier.DANGEROUS);
        assertThat(tiers.judge(use("numpy.core", "_ufunc_reconstruct", 1, 0, List.of(List.of("'numpy'", "<str>")))).tier())
                .as("a name that could not be read").isEqualTo(ImportTiers.Tier.DANGEROUS);
        assertThat(tiers.judge(new PickleMachine.Import(0, "numpy.core", "_ufunc_reconstruct", "numpy.core", "_ufunc_reconstruct",
                "GLOBAL", 0, 1, 1, 1, 0, List.of(), false, java.util.Map.of())).tier()).as("arguments not all kept").isEqualTo(ImportTiers.Tier.DANGEROUS);
        assertThat(tiers.judge(use("torch._utils", "_rebuild_tensor_v2", 1, 0, List.of(List.of("<value>", "<value>", "<value>",
                "<value>", "<value>", "collections.OrderedDict()")))).tier()).isEqualTo(ImportTiers.Tier.SAFE);
        assertThat(tiers.judge(use("torch._utils", "_rebuild_tensor_v2", 1, 0, List.of(List.of("<value>", "<value>", "<value>",
                "<value>", "<value>", "<value>")))).tier()).as("backward hooks that are not the empty OrderedDict")
                .isEqualTo(ImportTiers.Tier.DANGEROUS);
        assertThat(tiers.judge(use("copyreg", "_reconstructor", 1, 0, List.of(List.of("mylib.Model", "builtins.object",
                "<value>")))).tier()).isEqualTo(ImportTiers.Tier.SAFE);
        assertThat(tiers.judge(use("copyreg", "_reconstructor", 1, 0, List.of(List.of("mylib.Model", "mylib.Base",
                "<value>")))).tier()).as("base.__init__ would run").isEqualTo(ImportTiers.Tier.DANGEROUS);
    }

    @Test
    void aVettedPackageAtAnUnvettedVersionIsMediumWithAHint() {
        java.util.function.Function<String, ImportTiers.Verdict> at = version -> tiers.judge(new PickleMachine.Import(0,
                "sklearn.linear_model._logistic", "LogisticRegression", "sklearn.linear_model._logistic", "LogisticRegression",
                "GLOBAL", 0, 1, 2, 0, 1, List.of(), true, java.util.Map.of("_sklearn_version", version)));
        assertThat(at.apply("1.2.1").tier()).isEqualTo(ImportTiers.Tier.SAFE);
        ImportTiers.Verdict newer = at.apply("1.5.0");
        assertThat(newer.tier()).isEqualTo(ImportTiers.Tier.UNVETTED_VERSION);
        assertThat(newer.why()).contains("_sklearn_version 1.5.0").contains("Hint");
        assertThat(tiers.judge(new PickleMachine.Import(0, "sklearn.linear_model._logistic", "LogisticRegression",
                "sklearn.linear_model._logistic", "LogisticRegression", "GLOBAL", 0, 1, 1, 1, 0, List.of(List.of()), true,
                java.util.Map.of("_sklearn_version", "1.5.0"))).tier()).as("a call stays HIGH whatever the version")
                .isEqualTo(ImportTiers.Tier.UNLISTED_CALL);
    }

    @Test
    void operatorsAddCallAndClassEntriesButRewriteNothingShipped() {
        ImportTiers t = tiers.extend("class\tmylib.*\tour models\ncall\tmylib.build\tour factory\targs=@str\n");
        assertThat(t.judge(use("mylib.models", "Net", 0, 1, List.of())).tier()).isEqualTo(ImportTiers.Tier.SAFE);
        assertThat(t.judge(use("mylib", "build", 1, 0, List.of(List.of("'x'")))).tier()).isEqualTo(ImportTiers.Tier.SAFE);
        assertThat(t.judge(use("mylib", "build", 1, 0, List.of(List.of("<value>")))).tier()).isEqualTo(ImportTiers.Tier.DANGEROUS);
        assertThat(tiers.judge(use("mylib.models", "Net", 0, 1, List.of())).tier()).as("the shipped table is unchanged")
                .isEqualTo(ImportTiers.Tier.UNKNOWN);
        assertThatThrownBy(() -> tiers.extend("call\tbuiltins.eval\tmine\n")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("listed twice");
        assertThatThrownBy(() -> tiers.extend("dangerous\tmylib.*\tx\n")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("only call and class");
    }

    @Test
    void theShippedTableLoads() {
        assertThat(tiers.size()).isGreaterThan(200);
    }
}
