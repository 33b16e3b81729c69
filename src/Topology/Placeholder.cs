namespace ContactCenter.Topology; internal static class Placeholder {}
