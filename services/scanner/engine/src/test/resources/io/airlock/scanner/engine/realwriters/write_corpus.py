"""Writes the real-writer corpus: files made by the libraries people use, at test time.

Usage: python3 write_corpus.py OUTDIR

Prints one line per file, tab-separated: file, writer, writer version, expectation, what it is.
  expectation  benign: must pass the guard and `airlock scan --policy permissive`
               code:   serializes code (a function, a user-defined class): must be flagged
A writer that cannot be imported prints `skip <TAB> writer <TAB> reason` instead.
Nothing here loads or runs a file it wrote.
"""
import os
import pickle
import sys

out = sys.argv[1]
os.makedirs(out, exist_ok=True)


def row(name, writer, version, expect, what):
    print("\t".join([name, writer, version, expect, what]), flush=True)


def path(name):
    return os.path.join(out, name)


def skip(writer, why):
    print("skip\t%s\t%s" % (writer, why), flush=True)


# ---- torch ----------------------------------------------------------------------------------------
try:
    import torch
    import torch.nn as nn
except Exception as e:  # noqa: BLE001 - any import failure means the writer is absent
    skip("torch", repr(e))
else:
    v = torch.__version__
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 4), nn.LayerNorm(4))
    torch.save(model.state_dict(), path("torch_state_dict.pt"))
    row("torch_state_dict.pt", "torch.save", v, "benign", "state dict (zip, zip64 end records)")
    torch.save(model.state_dict(), path("torch_state_dict_legacy.pt"), _use_new_zipfile_serialization=False)
    row("torch_state_dict_legacy.pt", "torch.save", v, "benign", "state dict, _use_new_zipfile_serialization=False")
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    model(torch.randn(2, 8)).sum().backward()
    opt.step()
    ckpt = {"epoch": 3, "model": model.state_dict(), "optimizer": opt.state_dict(),
            "loss": 0.25, "history": [1.0, 0.5, 0.25], "args": {"lr": 1e-3, "betas": (0.9, 0.999)}}
    torch.save(ckpt, path("torch_checkpoint.pt"))
    row("torch_checkpoint.pt", "torch.save", v, "benign", "checkpoint dict with Adam optimizer state")
    nested = {"tensors": [torch.arange(6).reshape(2, 3), (torch.ones(2, dtype=torch.float16), torch.zeros(3, dtype=torch.int64))],
              "meta": {"shape": torch.Size([2, 3]), "dtype": torch.bfloat16, "device": torch.device("cpu")},
              "param": nn.Parameter(torch.randn(3)), "bools": torch.tensor([True, False])}
    torch.save(nested, path("torch_nested.pt"))
    row("torch_nested.pt", "torch.save", v, "benign", "nested containers, Size, dtype, device, Parameter")
    torch.save(model, path("torch_whole_module.pt"))
    row("torch_whole_module.pt", "torch.save", v, "benign", "whole pickled nn.Sequential of torch.nn classes")
    scripted = torch.jit.script(model)
    torch.jit.save(scripted, path("torch_jit.pt"))
    row("torch_jit.pt", "torch.jit.save", v, "benign", "TorchScript archive of the same model")
    try:
        torch.onnx.export(model, torch.randn(1, 8), path("torch_export.onnx"), input_names=["x"], output_names=["y"])
        row("torch_export.onnx", "torch.onnx.export", v, "benign", "ONNX export of the same model")
    except Exception as e:  # noqa: BLE001
        skip("torch.onnx.export", repr(e))

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(4, 2)

        def forward(self, x):
            return self.fc(x)

    torch.save(Net(), path("torch_main_class.pt"))
    row("torch_main_class.pt", "torch.save", v, "code", "whole module of a user-defined class (__main__.Net)")

# ---- numpy ----------------------------------------------------------------------------------------
try:
    import numpy as np
except Exception as e:  # noqa: BLE001
    skip("numpy", repr(e))
else:
    v = np.__version__
    a = np.arange(24, dtype=np.float32).reshape(4, 6)
    np.save(path("numpy_array.npy"), a)
    row("numpy_array.npy", "numpy.save", v, "benign", "float32 array")
    np.savez(path("numpy_arrays.npz"), a=a, b=np.arange(5, dtype=np.int64))
    row("numpy_arrays.npz", "numpy.savez", v, "benign", "two arrays (zip)")
    np.savez_compressed(path("numpy_arrays_compressed.npz"), a=a, b=np.zeros(1000))
    row("numpy_arrays_compressed.npz", "numpy.savez_compressed", v, "benign", "two arrays (deflated zip)")
    np.save(path("numpy_object.npy"), np.array([{"k": 1}, "text", 3.5, None], dtype=object), allow_pickle=True)
    row("numpy_object.npy", "numpy.save", v, "benign", "object array of plain values (pickle inside)")
    with open(path("numpy_pickled.pkl"), "wb") as f:
        pickle.dump({"a": a, "scalar": np.float64(2.5), "dt": np.dtype("int16"),
                     "masked": np.ma.masked_array([1, 2, 3], mask=[0, 1, 0]),
                     "rng": np.random.RandomState(0), "gen": np.random.default_rng(0)}, f)
    row("numpy_pickled.pkl", "pickle.dump", v, "benign", "arrays, scalars, dtypes, masked array, RandomState, Generator")

# ---- joblib ---------------------------------------------------------------------------------------
try:
    import joblib
    import numpy as np
except Exception as e:  # noqa: BLE001
    skip("joblib", repr(e))
else:
    v = joblib.__version__
    data = {"w": np.arange(100, dtype=np.float64), "names": ["a", "b"]}
    joblib.dump(data, path("joblib_plain.joblib"))
    row("joblib_plain.joblib", "joblib.dump", v, "benign", "dict with an array")
    joblib.dump(data, path("joblib_zlib.joblib"), compress=3)
    row("joblib_zlib.joblib", "joblib.dump", v, "benign", "same, compress=3 (zlib)")

# ---- scikit-learn ---------------------------------------------------------------------------------
try:
    import numpy as np
    import sklearn
    import joblib
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.feature_extraction.text import TfidfVectorizer
except Exception as e:  # noqa: BLE001
    skip("sklearn", repr(e))
else:
    v = sklearn.__version__
    rng = np.random.RandomState(0)
    X = rng.randn(40, 3)
    y = (X[:, 0] > 0).astype(int)
    lr = LogisticRegression().fit(X, y)
    with open(path("sklearn_logreg.pkl"), "wb") as f:
        pickle.dump(lr, f)
    row("sklearn_logreg.pkl", "pickle.dump", v, "benign", "fitted LogisticRegression")
    pipe = Pipeline([("scale", StandardScaler()), ("rf", RandomForestClassifier(n_estimators=3, max_depth=2, random_state=0))])
    pipe.fit(X, y)
    joblib.dump(pipe, path("sklearn_pipeline.joblib"))
    row("sklearn_pipeline.joblib", "joblib.dump", v, "benign", "Pipeline(StandardScaler, RandomForest)")
    with open(path("sklearn_pipeline.pkl"), "wb") as f:
        pickle.dump(pipe, f)
    row("sklearn_pipeline.pkl", "pickle.dump", v, "benign", "the same pipeline by pickle")
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.ensemble import GradientBoostingClassifier, HistGradientBoostingClassifier
    knn = KNeighborsClassifier(n_neighbors=3, algorithm="kd_tree").fit(X, y)
    with open(path("sklearn_knn.pkl"), "wb") as f:
        pickle.dump(knn, f)
    row("sklearn_knn.pkl", "pickle.dump", v, "benign", "KNeighborsClassifier (KDTree, distance metric: Cython rebuilds)")
    boosted = {"hgb": HistGradientBoostingClassifier(max_iter=3).fit(X, y),
               "gb": GradientBoostingClassifier(n_estimators=3, random_state=0).fit(X, y)}
    joblib.dump(boosted, path("sklearn_boosting.joblib"))
    row("sklearn_boosting.joblib", "joblib.dump", v, "benign", "HistGradientBoosting (Cython loss) and GradientBoosting")
    tfidf = TfidfVectorizer().fit(["a cat", "a dog", "the bird"])
    with open(path("sklearn_tfidf.pkl"), "wb") as f:
        pickle.dump(tfidf, f)
    row("sklearn_tfidf.pkl", "pickle.dump", v, "benign", "fitted TfidfVectorizer (scipy.sparse inside)")

# ---- dill and cloudpickle: they serialize functions -----------------------------------------------
try:
    import dill
except Exception as e:  # noqa: BLE001
    skip("dill", repr(e))
else:
    with open(path("dill_lambda.pkl"), "wb") as f:
        dill.dump(lambda x: x * 2, f)
    row("dill_lambda.pkl", "dill.dump", dill.__version__, "code", "a lambda (code object inside)")
    with open(path("dill_data.pkl"), "wb") as f:
        dill.dump({"a": [1, 2, 3], "b": "text"}, f)
    row("dill_data.pkl", "dill.dump", dill.__version__, "benign", "plain data by dill")
try:
    import cloudpickle
except Exception as e:  # noqa: BLE001
    skip("cloudpickle", repr(e))
else:
    offset = 3
    with open(path("cloudpickle_lambda.pkl"), "wb") as f:
        cloudpickle.dump(lambda x: x + offset, f)
    row("cloudpickle_lambda.pkl", "cloudpickle.dump", cloudpickle.__version__, "code", "a closure (code object inside)")

# ---- h5py: an HDF5 file laid out as Keras lays out model.h5 ----------------------------------------
try:
    import h5py
    import json
    import numpy as np
except Exception as e:  # noqa: BLE001
    skip("h5py", repr(e))
else:
    cfg = {"class_name": "Sequential", "config": {"name": "seq", "layers": [
        {"class_name": "InputLayer", "config": {"batch_input_shape": [None, 8], "dtype": "float32", "name": "in"}},
        {"class_name": "Dense", "config": {"name": "dense", "units": 4, "activation": "relu", "use_bias": True}}]}}
    with h5py.File(path("keras_like.h5"), "w") as f:
        f.attrs["keras_version"] = "2.13.1"
        f.attrs["backend"] = "tensorflow"
        f.attrs["model_config"] = json.dumps(cfg)
        g = f.create_group("model_weights/dense/dense")
        g.create_dataset("kernel:0", data=np.zeros((8, 4), dtype=np.float32))
        g.create_dataset("bias:0", data=np.zeros(4, dtype=np.float32))
    row("keras_like.h5", "h5py", h5py.__version__, "benign", "HDF5 with a Keras model_config (Dense layers)")

# ---- onnx ------------------------------------------------------------------------------------------
try:
    import onnx
    from onnx import helper, TensorProto
except Exception as e:  # noqa: BLE001
    skip("onnx", repr(e))
else:
    w = helper.make_tensor("W", TensorProto.FLOAT, [4, 2], [0.5] * 8)
    g = helper.make_graph([helper.make_node("MatMul", ["x", "W"], ["y"])], "g",
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2])], [w])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
    onnx.checker.check_model(m)
    onnx.save(m, path("onnx_matmul.onnx"))
    row("onnx_matmul.onnx", "onnx.save", onnx.__version__, "benign", "MatMul with an initializer")
