namespace SemiDpo.Pretrained;

/// <summary>A pretrained model file (config.json, weights, tokenizer files) that cannot be used; the message names the file and what is wrong.</summary>
public sealed class ModelFormatException(string message) : Exception(message);
