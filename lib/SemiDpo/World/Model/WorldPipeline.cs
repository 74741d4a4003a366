using SemiDpo.Method;

namespace SemiDpo.World.Model;

/// <summary>Semi-DPO on the miniature world's <see cref="DiffusionModel"/>.</summary>
public sealed class SemiDpoPipeline(SemiDpoConfig config) : SemiDpoPipeline<DiffusionModel>(config);
