package spec

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// firstUseEnv makes the test binary a child that decodes the config file it
// names once, the way a servin-run process does, prints how long that took
// in nanoseconds and exits: "<generated|encoding/json>:<path>".
const firstUseEnv = "SERVIN_SPEC_DECODE_ONCE"

func TestMain(m *testing.M) {
	if v := os.Getenv(firstUseEnv); v != "" {
		os.Exit(decodeOnce(v))
	}
	os.Exit(m.Run())
}

// decodeOnce runs in the child; nothing before it has used encoding/json.
func decodeOnce(v string) int {
	mode, path, _ := strings.Cut(v, ":")
	data, err := os.ReadFile(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	start := time.Now()
	if mode == "generated" {
		var s specs.Spec
		err = UnmarshalLinux(data, &s)
	} else {
		_, err = jsonLinux(data)
	}
	elapsed := time.Since(start)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println(elapsed.Nanoseconds())
	return 0
}

// BenchmarkUnmarshalLinux decodes the default config, with and without
// the default seccomp profile, with the generated decoder and with
// encoding/json: steady state (the process has decoded before), and the
// first decode of a fresh process (first-use), which is what each
// servin-run process pays. first-use reports the decode's wall time in the
// child (first-decode-ns) and the child process's whole CPU time
// (process-cpu-ns, dominated by starting the test binary).
func BenchmarkUnmarshalLinux(b *testing.B) {
	all := configs(b)
	for _, name := range []string{"default", "default+seccomp"} {
		data, ok := all[name]
		if !ok {
			continue
		}
		b.Run(name+"/generated", func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				var s specs.Spec
				if err := UnmarshalLinux(data, &s); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(name+"/encoding-json", func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := jsonLinux(data); err != nil {
					b.Fatal(err)
				}
			}
		})
		path := filepath.Join(b.TempDir(), "config.json")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			b.Fatal(err)
		}
		for _, mode := range []string{"generated", "encoding/json"} {
			b.Run(name+"/first-use/"+strings.ReplaceAll(mode, "/", "-"), func(b *testing.B) {
				var decode, cpu time.Duration
				for b.Loop() {
					cmd := exec.Command(os.Args[0])
					cmd.Env = append(os.Environ(), firstUseEnv+"="+mode+":"+path)
					out, err := cmd.Output()
					if err != nil {
						b.Fatalf("child: %v: %s", err, out)
					}
					ns, err := strconv.ParseInt(strings.TrimSpace(string(out)), 10, 64)
					if err != nil {
						b.Fatalf("child printed %q", out)
					}
					decode += time.Duration(ns)
					cpu += cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
				}
				b.ReportMetric(float64(decode.Nanoseconds())/float64(b.N), "first-decode-ns/op")
				b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "process-cpu-ns/op")
			})
		}
	}
}
