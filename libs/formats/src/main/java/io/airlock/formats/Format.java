package io.airlock.formats;

import java.util.Locale;
import java.util.Optional;

/**
 * What an artifact is, decided by its content ({@link FormatSniffer}), never by its name.
 * The ids ({@link #id()}) are stable: they appear in reports, policies and the CLI.
 */
public enum Format {
    GGUF(false),
    SAFETENSORS(false),
    ONNX(false),
    PICKLE(true),
    /** torch.save's zip archive: data.pkl plus tensor storages. */
    PYTORCH_ZIP(true),
    /** torch.save before 1.6: a sequence of pickles behind a magic number. */
    PYTORCH_LEGACY(true),
    NUMPY(false),
    /** numpy .npz: a zip of .npy members. */
    NUMPY_ZIP(false),
    /** Keras 3 .keras: a zip with config.json and the weights. */
    KERAS(false),
    /** An Airlock model package: model.onnx, tokenizer.json and airlock-model.json in one zip. */
    MODEL_PACKAGE(false),
    /**
     * A model folder sent as one zip, tar or gzip-compressed tar whose members the format gate
     * recognised as a folder kind (diffusers, sharded safetensors, split GGUF, a Hugging Face
     * repository); every member is then judged on its own by the static scan and folder_scan.
     */
    MODEL_FOLDER(false),
    HDF5(false),
    /** a joblib dump: a pickle with numpy arrays inline. */
    JOBLIB(true),
    ZIP(false),
    TAR(false),
    /** A 7z archive, read through Apache Commons Compress ({@link SevenZArchive}); members are judged like zip members. */
    SEVEN_ZIP(false),
    GZIP(false),
    PYTHON_SOURCE(false),
    /** C, C++ or CUDA source: the submission of a {@code lang: cu} kernel task. */
    NATIVE_SOURCE(false),
    /** A chat template alone: Jinja text, or a JSON object with a chat_template (tokenizer_config.json). */
    CHAT_TEMPLATE(false),
    UNKNOWN(false);

    private final boolean pickleBased;

    Format(boolean pickleBased) {
        this.pickleBased = pickleBased;
    }

    /** The lower-case stable id, e.g. {@code pytorch_zip}. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Loading it normally runs a pickle, which can execute arbitrary code. */
    public boolean pickleBased() {
        return pickleBased;
    }

    /** A zip archive underneath (whatever its members make it). */
    public boolean zipBased() {
        return this == PYTORCH_ZIP || this == NUMPY_ZIP || this == KERAS || this == MODEL_PACKAGE || this == ZIP;
    }

    /** The format with this id (any case, surrounding blanks ignored); empty for anything else. */
    public static Optional<Format> fromId(String id) {
        if (id == null) {
            return Optional.empty();
        }
        String k = id.strip().toLowerCase(Locale.ROOT);
        for (Format f : values()) {
            if (f.id().equals(k)) {
                return Optional.of(f);
            }
        }
        return Optional.empty();
    }
}
