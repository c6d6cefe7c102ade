package unpack_test

import specs "github.com/opencontainers/runtime-spec/specs-go"

type specsMapping struct{ c, h, n uint32 }

func toSpecs(m []specsMapping) []specs.LinuxIDMapping {
	var out []specs.LinuxIDMapping
	for _, e := range m {
		out = append(out, specs.LinuxIDMapping{ContainerID: e.c, HostID: e.h, Size: e.n})
	}
	return out
}
