namespace ContactCenter.Stores; internal static class Placeholder {}
