package io.airlock.scanner.engine;

import io.airlock.fixtures.ProtoWriter;
import io.airlock.fixtures.Samples;
import io.airlock.fixtures.TarBuilder;
import io.airlock.fixtures.ZipBuilder;

import io.airlock.fixtures.GgufFixtures;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Model folders built in code (diffusers, sharded safetensors, split GGUF, ONNX with external data,
 * a Hugging Face repository, a Keras archive) as name-to-bytes maps, and the three ways they travel:
 * zip, tar and gzip-compressed tar. Honest by default; tests change one member to make each hostile.
 */
public final class Folders {
    private Folders() {
    }

    /** How a folder travels. */
    public enum Container { ZIP, TAR, TGZ }

    public static byte[] pack(Map<String, byte[]> files, Container c) {
        switch (c) {
            case ZIP -> {
                ZipBuilder z = ZipBuilder.zip();
                files.forEach((n, b) -> z.add(n, b).deflate());
                return z.bytes();
            }
            case TAR -> {
                TarBuilder t = TarBuilder.tar();
                files.forEach(t::file);
                return t.bytes();
            }
            default -> {
                TarBuilder t = TarBuilder.tar();
                files.forEach(t::file);
                return t.gzipped();
            }
        }
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** A safetensors file with one F32 [1] tensor per name, header padded to 8 bytes. */
    public static byte[] safetensors(String... names) {
        StringBuilder h = new StringBuilder("{\"__metadata__\":{\"format\":\"pt\"}");
        for (int i = 0; i < names.length; i++) {
            h.append(",\"").append(names[i]).append("\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[")
                    .append(4 * i).append(',').append(4 * i + 4).append("]}");
        }
        h.append('}');
        while ((h.length() + 8) % 8 != 0) {
            h.append(' ');
        }
        return Samples.concat(Samples.le64(h.length()), utf8(h.toString()), new byte[4 * names.length]);
    }

    public static Map<String, byte[]> diffusers() {
        Map<String, byte[]> f = new LinkedHashMap<>();
        f.put("sd/model_index.json", utf8("""
                {"_class_name": "StableDiffusionPipeline", "_diffusers_version": "0.27.0",
                 "feature_extractor": [null, null], "safety_checker": [null, null],
                 "scheduler": ["diffusers", "PNDMScheduler"], "text_encoder": ["transformers", "CLIPTextModel"],
                 "tokenizer": ["transformers", "CLIPTokenizer"], "unet": ["diffusers", "UNet2DConditionModel"],
                 "vae": ["diffusers", "AutoencoderKL"]}"""));
        f.put("sd/README.md", utf8("# A pipeline\n\n```python\nfrom diffusers import DiffusionPipeline\n```\n"));
        f.put("sd/scheduler/scheduler_config.json", utf8("{\"_class_name\": \"PNDMScheduler\", \"num_train_timesteps\": 1000}"));
        f.put("sd/text_encoder/config.json", utf8("{\"architectures\": [\"CLIPTextModel\"], \"hidden_size\": 4}"));
        f.put("sd/text_encoder/model.safetensors", safetensors("text_model.embeddings.weight"));
        f.put("sd/tokenizer/tokenizer_config.json", utf8("{\"model_max_length\": 77}"));
        f.put("sd/tokenizer/vocab.json", utf8("{\"a\": 0}"));
        f.put("sd/tokenizer/merges.txt", utf8("#version: 0.2\n"));
        f.put("sd/unet/config.json", utf8("{\"_class_name\": \"UNet2DConditionModel\", \"in_channels\": 4}"));
        f.put("sd/unet/diffusion_pytorch_model.safetensors", safetensors("conv_in.weight", "conv_in.bias"));
        f.put("sd/vae/config.json", utf8("{\"_class_name\": \"AutoencoderKL\"}"));
        f.put("sd/vae/diffusion_pytorch_model.safetensors", safetensors("decoder.conv_in.weight"));
        return f;
    }

    public static Map<String, byte[]> sharded() {
        Map<String, byte[]> f = new LinkedHashMap<>();
        f.put("config.json", utf8("{\"architectures\": [\"LlamaForCausalLM\"], \"model_type\": \"llama\"}"));
        f.put("model.safetensors.index.json", utf8("""
                {"metadata": {"total_size": 12}, "weight_map": {
                 "model.embed_tokens.weight": "model-00001-of-00002.safetensors",
                 "model.layers.0.mlp.weight": "model-00001-of-00002.safetensors",
                 "lm_head.weight": "model-00002-of-00002.safetensors"}}"""));
        f.put("model-00001-of-00002.safetensors", safetensors("model.embed_tokens.weight", "model.layers.0.mlp.weight"));
        f.put("model-00002-of-00002.safetensors", safetensors("lm_head.weight"));
        return f;
    }

    public static Map<String, byte[]> splitGguf() {
        Map<String, byte[]> f = new LinkedHashMap<>();
        f.put("llama/llama-7b-00001-of-00003.gguf", GgufFixtures.gguf());
        f.put("llama/llama-7b-00002-of-00003.gguf", GgufFixtures.gguf());
        f.put("llama/llama-7b-00003-of-00003.gguf", GgufFixtures.gguf());
        return f;
    }

    /** An ONNX export beside its tokenizer: config.json marks the repository, model.onnx keeps weights in weights.bin. */
    public static Map<String, byte[]> onnxExternal(String location) {
        Map<String, byte[]> f = new LinkedHashMap<>();
        f.put("onnx/config.json", utf8("{\"model_type\": \"bert\"}"));
        f.put("onnx/model.onnx", OnnxExternalDataTest.model(new ProtoWriter().message(5,
                OnnxExternalDataTest.externalTensor("w", location))));
        f.put("onnx/weights.bin", new byte[16]);
        return f;
    }

    public static Map<String, byte[]> hfRepository() {
        Map<String, byte[]> f = new LinkedHashMap<>();
        f.put("repo/config.json", utf8("{\"architectures\": [\"LlamaForCausalLM\"], \"model_type\": \"llama\","
                + " \"torch_dtype\": \"bfloat16\", \"rope_scaling\": null, \"tie_word_embeddings\": false}"));
        f.put("repo/generation_config.json", utf8("{\"bos_token_id\": 1, \"eos_token_id\": 2}"));
        f.put("repo/tokenizer_config.json", utf8("{\"bos_token\": \"<s>\", \"chat_template\": \"{% for message in messages %}"
                + "{{ '<|' + message['role'] + '|>' + message['content'] }}{% endfor %}{% if add_generation_prompt %}"
                + "{{ '<|assistant|>' }}{% endif %}\"}"));
        f.put("repo/chat_template.jinja", utf8("{% for m in messages %}{{ m.role }}: {{ m.content }}\n{% endfor %}"));
        f.put("repo/tokenizer.json", utf8("{\"version\": \"1.0\", \"model\": {\"type\": \"BPE\"}}"));
        f.put("repo/special_tokens_map.json", utf8("{\"bos_token\": \"<s>\"}"));
        f.put("repo/model.safetensors", safetensors("model.embed_tokens.weight", "lm_head.weight"));
        f.put("repo/README.md", utf8("---\nlicense: apache-2.0\n---\n```python\nimport torch\n"
                + "from transformers import AutoModelForCausalLM\n```\n"));
        return f;
    }

    /** A Keras 3 archive: config.json, metadata.json and the weights (an HDF5 signature is enough here). */
    public static byte[] keras(String config) {
        return ZipBuilder.zip().with("metadata.json", utf8("{\"keras_version\": \"3.3.3\"}"))
                .with("config.json", utf8(config))
                .with("model.weights.h5", Samples.hdf5(0)).bytes();
    }

    public static final String HONEST_KERAS = """
            {"module": "keras", "class_name": "Sequential", "config": {"name": "s", "layers": [
             {"module": "keras.layers", "class_name": "InputLayer", "config": {"batch_shape": [null, 4]}, "registered_name": null},
             {"module": "keras.layers", "class_name": "Dense", "config": {"units": 2, "activation": "relu",
              "kernel_initializer": {"module": "keras.initializers", "class_name": "GlorotUniform", "config": {"seed": null},
              "registered_name": null}}, "registered_name": null}]}, "registered_name": null}""";

    /** A copy with one member replaced (or removed, when bytes is null). */
    public static Map<String, byte[]> with(Map<String, byte[]> files, String name, byte[] bytes) {
        Map<String, byte[]> f = new LinkedHashMap<>(files);
        if (bytes == null) {
            f.remove(name);
        } else {
            f.put(name, bytes);
        }
        return f;
    }

    /** A copy without the members under a folder. */
    public static Map<String, byte[]> without(Map<String, byte[]> files, String prefix) {
        Map<String, byte[]> f = new LinkedHashMap<>(files);
        f.keySet().removeIf(n -> n.startsWith(prefix));
        return f;
    }

    public static Map<String, byte[]> with(Map<String, byte[]> files, String name, String text) {
        return with(files, name, utf8(text));
    }
}
