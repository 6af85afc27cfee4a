using System.Collections;
using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using YamlDotNet.RepresentationModel;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace Cooper.Configuration;

/// <summary>A config record that can check itself after loading.</summary>
public interface IValidatable
{
    /// <summary>Throws <see cref="ConfigException"/> saying what to change when the config is inconsistent.</summary>
    void Validate();
}

/// <summary>A configuration error: names the file, key, value and what was expected.</summary>
public sealed class ConfigException(string message) : Exception(message);

/// <summary>One setting two configs disagree on (<see cref="ConfigLoader.Differences"/>).</summary>
/// <param name="Key">Dotted snake_case key, e.g. <c>grpo.learning_rate</c>.</param>
/// <param name="Before">The first config's value as text.</param>
/// <param name="After">The second config's value as text.</param>
public sealed record ConfigDifference(string Key, string Before, string After);

/// <summary>
/// Loads config records from YAML or JSON files plus <c>key=value</c> overrides.
/// Keys are snake_case versions of the record's property names (<c>LearningRate</c> → <c>learning_rate</c>);
/// nested records use dotted keys in overrides (<c>grpo.learning_rate=1e-6</c>).
/// Unknown keys and values of the wrong type are errors, never silently ignored.
/// </summary>
public static class ConfigLoader
{
    /// <summary>Loads <typeparamref name="T"/>: defaults, then the file (if any), then overrides in order; validates.</summary>
    public static T Load<T>(string? path, IEnumerable<string>? overrides = null) where T : class, new()
    {
        object config = new T();
        if (path is not null)
        {
            if (!File.Exists(path)) throw new ConfigException($"config file '{path}' does not exist");
            var tree = ReadTree(path);
            if (tree is not null)
            {
                if (tree is not Dictionary<string, object?> map)
                    throw new ConfigException($"{path}: expected a mapping of keys to values at the top level");
                config = BindObject(typeof(T), config, map, "", path);
            }
        }
        foreach (var o in overrides ?? [])
            config = ApplyOverride(config, o);
        if (config is IValidatable v) v.Validate();
        return (T)config;
    }

    /// <summary>Applies one <c>dotted.key=value</c> override and returns the updated config.</summary>
    public static T ApplyOverride<T>(T config, string assignment) where T : class
    {
        int eq = assignment.IndexOf('=');
        if (eq <= 0) throw new ConfigException($"override '{assignment}': expected key=value, e.g. seed=3");
        string key = assignment[..eq].Trim(), value = assignment[(eq + 1)..];
        var parts = key.Split('.');
        return (T)SetPath(config, parts, 0, value, key, "--set");
    }

    private static object SetPath(object target, string[] parts, int i, string raw, string fullKey, string source)
    {
        var type = target.GetType();
        var prop = FindProperty(type, parts[i], string.Join('.', parts[..(i + 1)]), source);
        object? value;
        if (i == parts.Length - 1)
            value = ConvertScalar(prop.PropertyType, raw, fullKey, source);
        else
        {
            var child = prop.GetValue(target) ?? Activator.CreateInstance(prop.PropertyType)
                ?? throw new ConfigException($"{source}: key '{fullKey}' cannot be created");
            if (!IsRecord(prop.PropertyType))
                throw new ConfigException($"{source}: key '{string.Join('.', parts[..(i + 1)])}' is a {Describe(prop.PropertyType)}, not a section");
            value = SetPath(child, parts, i + 1, raw, fullKey, source);
        }
        var copy = Clone(target);
        prop.SetValue(copy, value);
        return copy;
    }

    private static object Clone(object o)
    {
        // Records have a compiler-generated <Clone>$ method; use it so the input is never mutated.
        var m = o.GetType().GetMethod("<Clone>$", BindingFlags.Public | BindingFlags.Instance);
        return m is not null ? m.Invoke(o, null)! : o;
    }

    private static object BindObject(Type type, object current, Dictionary<string, object?> map, string prefix, string source)
    {
        var obj = Clone(current);
        foreach (var (k, v) in map)
        {
            string key = prefix.Length == 0 ? k : prefix + "." + k;
            var prop = FindProperty(type, k, key, source);
            object? value;
            if (IsRecord(prop.PropertyType))
            {
                if (v is null) { value = null; }
                else if (v is Dictionary<string, object?> sub)
                    value = BindObject(prop.PropertyType, prop.GetValue(obj) ?? Activator.CreateInstance(prop.PropertyType)!, sub, key, source);
                else throw new ConfigException($"{source}: key '{key}' is a section; expected a mapping, got '{v}'");
            }
            else value = ConvertValue(prop.PropertyType, v, key, source);
            prop.SetValue(obj, value);
        }
        return obj;
    }

    private static PropertyInfo FindProperty(Type type, string name, string fullKey, string source)
    {
        var props = Settable(type);
        var p = props.FirstOrDefault(p => SnakeCase(p.Name) == name || p.Name == name || SnakeCase(p.Name).Replace('_', '-') == name);
        if (p is null)
            throw new ConfigException($"{source}: unknown config key '{fullKey}'; known keys here: {string.Join(", ", props.Select(p => SnakeCase(p.Name)))}");
        return p;
    }

    private static PropertyInfo[] Settable(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanWrite && p.GetIndexParameters().Length == 0 && p.Name != "EqualityContract")
            .ToArray();

    private static bool IsRecord(Type t) =>
        t.IsClass && t != typeof(string) && !typeof(IEnumerable).IsAssignableFrom(t) && t.GetMethod("<Clone>$") is not null;

    private static object? ConvertValue(Type t, object? v, string key, string source)
    {
        if (v is null)
        {
            if (!t.IsValueType || Nullable.GetUnderlyingType(t) is not null) return null;
            throw new ConfigException($"{source}: key '{key}' cannot be null; expected {Describe(t)}");
        }
        if (v is List<object?> list)
        {
            var elem = ElementType(t) ?? throw new ConfigException($"{source}: key '{key}' expected {Describe(t)}, got a list");
            var items = list.Select((x, i) => ConvertValue(elem, x, $"{key}[{i}]", source)).ToList();
            return MakeCollection(t, elem, items);
        }
        if (v is Dictionary<string, object?>)
            throw new ConfigException($"{source}: key '{key}' expected {Describe(t)}, got a mapping");
        return ConvertScalar(t, (string)v, key, source);
    }

    private static Type? ElementType(Type t)
    {
        if (t.IsArray) return t.GetElementType();
        if (t.IsGenericType && t.GetGenericArguments().Length == 1 && typeof(IEnumerable).IsAssignableFrom(t)) return t.GetGenericArguments()[0];
        return null;
    }

    private static object MakeCollection(Type t, Type elem, List<object?> items)
    {
        var arr = Array.CreateInstance(elem, items.Count);
        for (int i = 0; i < items.Count; i++) arr.SetValue(items[i], i);
        if (t.IsArray || t.IsInterface) return arr;
        var list = (IList)Activator.CreateInstance(typeof(List<>).MakeGenericType(elem))!;
        foreach (var x in items) list.Add(x);
        return list;
    }

    /// <summary>Converts a scalar string to <paramref name="t"/>, with an error naming key, value and expected type.</summary>
    public static object? ConvertScalar(Type t, string raw, string key, string source)
    {
        var s = raw.Trim();
        var under = Nullable.GetUnderlyingType(t);
        if (under is not null)
        {
            if (s is "" or "null" or "~") return null;
            t = under;
        }
        if (ElementType(t) is { } elem && t != typeof(string))
        {
            var pieces = s.Trim('[', ']').Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            return MakeCollection(t, elem, pieces.Select((p, i) => ConvertScalar(elem, p, $"{key}[{i}]", source)).ToList());
        }
        bool ok;
        object? result = null;
        var inv = CultureInfo.InvariantCulture;
        if (t == typeof(string)) return raw;
        else if (t == typeof(int)) { ok = int.TryParse(s, NumberStyles.Integer, inv, out var x); result = x; }
        else if (t == typeof(long)) { ok = long.TryParse(s, NumberStyles.Integer, inv, out var x); result = x; }
        else if (t == typeof(double)) { ok = double.TryParse(s, NumberStyles.Float, inv, out var x); result = x; }
        else if (t == typeof(float)) { ok = float.TryParse(s, NumberStyles.Float, inv, out var x); result = x; }
        else if (t == typeof(bool))
        {
            ok = true;
            switch (s.ToLowerInvariant())
            {
                case "true" or "yes" or "on" or "1": result = true; break;
                case "false" or "no" or "off" or "0": result = false; break;
                default: ok = false; break;
            }
        }
        else if (t.IsEnum)
        {
            string norm = s.Replace("-", "").Replace("_", "");
            var name = Enum.GetNames(t).FirstOrDefault(n => string.Equals(n, norm, StringComparison.OrdinalIgnoreCase));
            ok = name is not null;
            if (ok) result = Enum.Parse(t, name!);
        }
        else throw new ConfigException($"{source}: key '{key}' has unsupported type {t.Name}");
        if (!ok) throw new ConfigException($"{source}: key '{key}' has value '{raw}', expected {Describe(t)}");
        return result;
    }

    private static string Describe(Type t)
    {
        var under = Nullable.GetUnderlyingType(t);
        if (under is not null) return Describe(under) + " or null";
        if (t == typeof(int) || t == typeof(long)) return "an integer";
        if (t == typeof(double) || t == typeof(float)) return "a number";
        if (t == typeof(bool)) return "true or false";
        if (t == typeof(string)) return "a string";
        if (t.IsEnum) return "one of " + string.Join(", ", Enum.GetNames(t).Select(SnakeCase));
        if (ElementType(t) is { } e) return "a list of " + Describe(e);
        return "a " + SnakeCase(t.Name) + " section";
    }

    /// <summary><c>LearningRate</c> → <c>learning_rate</c>; <c>KLCoef</c> → <c>kl_coef</c>.</summary>
    public static string SnakeCase(string name) => JsonNamingPolicy.SnakeCaseLower.ConvertName(name);

    // ---- reading files into a neutral tree: Dictionary<string, object?>, List<object?>, string, null

    private static object? ReadTree(string path)
    {
        var text = File.ReadAllText(path);
        try
        {
            if (Path.GetExtension(path).Equals(".json", StringComparison.OrdinalIgnoreCase))
                return FromJson(JsonNode.Parse(text));
            var yaml = new YamlStream();
            yaml.Load(new StringReader(text));
            return yaml.Documents.Count == 0 ? null : FromYaml(yaml.Documents[0].RootNode);
        }
        catch (JsonException e) { throw new ConfigException($"{path}: not valid JSON: {e.Message}"); }
        catch (YamlDotNet.Core.YamlException e) { throw new ConfigException($"{path}: line {e.Start.Line}: not valid YAML: {e.Message}"); }
    }

    private static object? FromYaml(YamlNode n) => n switch
    {
        YamlMappingNode m => m.Children.ToDictionary(kv => ((YamlScalarNode)kv.Key).Value ?? "", kv => FromYaml(kv.Value)),
        YamlSequenceNode s => s.Children.Select(FromYaml).ToList(),
        YamlScalarNode sc => sc.Style == YamlDotNet.Core.ScalarStyle.Plain && sc.Value is "null" or "~" or "" ? null : sc.Value,
        _ => null,
    };

    private static object? FromJson(JsonNode? n) => n switch
    {
        null => null,
        JsonObject o => o.ToDictionary(kv => kv.Key, kv => FromJson(kv.Value)),
        JsonArray a => a.Select(FromJson).ToList(),
        JsonValue v => v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : v.ToJsonString(),
        _ => n.ToJsonString(),
    };

    /// <summary>
    /// The settings in which <paramref name="before"/> and <paramref name="after"/> (configs of one type) differ,
    /// as dotted snake_case keys (<c>grpo.learning_rate</c>) with each side's value as text, in key order.
    /// </summary>
    public static List<ConfigDifference> Differences(object before, object after)
    {
        var a = Flatten(before);
        var b = Flatten(after);
        return a.Keys.Union(b.Keys).Order(StringComparer.Ordinal)
            .Select(k => new ConfigDifference(k, a.GetValueOrDefault(k, "(unset)"), b.GetValueOrDefault(k, "(unset)")))
            .Where(d => d.Before != d.After)
            .ToList();
    }

    /// <summary>Every setting of <paramref name="config"/> as dotted snake_case key → value text (nested records flattened).</summary>
    public static SortedDictionary<string, string> Flatten(object config)
    {
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        void Walk(object o, string prefix)
        {
            foreach (var p in Settable(o.GetType()))
            {
                string key = prefix + SnakeCase(p.Name);
                var v = p.GetValue(o);
                if (v is not null && IsRecord(p.PropertyType)) Walk(v, key + ".");
                else result[key] = Text(v);
            }
        }
        Walk(config, "");
        return result;
    }

    private static string Text(object? v) => v switch
    {
        null => "null",
        string s => s,
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        float f => f.ToString("R", CultureInfo.InvariantCulture),
        Enum e => SnakeCase(e.ToString()),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        IEnumerable items => "[" + string.Join(", ", items.Cast<object?>().Select(Text)) + "]",
        _ => v.ToString() ?? "",
    };

    /// <summary>Serialises a resolved config as YAML with snake_case keys (what a run folder's config.yaml holds).</summary>
    public static string ToYaml(object config)
    {
        var serializer = new SerializerBuilder()
            .WithNamingConvention(UnderscoredNamingConvention.Instance)
            .ConfigureDefaultValuesHandling(DefaultValuesHandling.Preserve)
            .Build();
        var sb = new StringBuilder();
        sb.Append(serializer.Serialize(config));
        return sb.ToString();
    }
}
