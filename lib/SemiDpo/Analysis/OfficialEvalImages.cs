using System.Text.Json;
using SemiDpo.Imaging;
using SemiDpo.IO;

namespace SemiDpo.Analysis;

/// <summary>
/// The images of an evaluation as the official <c>evaluate.py</c> leaves them: <c>{i}-{k}.png</c> and <c>{i}-{k}.json</c>
/// (<c>{"prompt": …, "&lt;judge&gt;": score, …}</c>, indent 2) per prompt index i and image k, each file written atomically.
/// </summary>
public static class OfficialEvalImages
{
    static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>A model's name as one folder name: path separators and characters a file name cannot hold become '_' (a name given as a path stays inside the images folder).</summary>
    public static string FolderName(string model)
    {
        var invalid = Path.GetInvalidFileNameChars();
        var name = string.Concat(model.Select(c => invalid.Contains(c) || c is '/' or '\\' ? '_' : c)).Trim('_', '.');
        return name.Length == 0 ? "model" : name;
    }

    /// <summary>Writes one image per prompt (k = 0) of <paramref name="scores"/>' prompt indices into <paramref name="folder"/>.</summary>
    public static void Write(string folder, IReadOnlyList<string> prompts, IReadOnlyList<RgbImage> images, IReadOnlyList<PromptScore> scores)
    {
        Directory.CreateDirectory(folder);
        for (var k = 0; k < images.Count; k++)
        {
            var stem = Path.Combine(folder, $"{scores[k].Prompt}-0");
            var image = images[k];
            AtomicFile.Write(stem + ".png", s => s.Write(PngEncoder.Encode(image)));
            var record = new Dictionary<string, object> { ["prompt"] = prompts[k] };
            foreach (var (judge, score) in scores[k].Scores) record[judge] = score;
            AtomicFile.Write(stem + ".json", s => JsonSerializer.Serialize(s, record, Indented));
        }
    }
}
