// Command registry-bench compares servin-registry with Debian's
// docker-registry (distribution 2.8): the same client (go-containerregistry)
// pushes and pulls the same fresh multi-layer image to each, alternating
// which goes first, and the median of the per-round time ratios
// (servin / docker-registry) is reported; below 1 means servin is faster.
package main

import (
	"context"
	"crypto/rand"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

func main() {
	servin := flag.String("servin-registry", "bin/servin-registry", "servin-registry binary")
	peer := flag.String("docker-registry", "docker-registry", "Debian's docker-registry binary")
	rounds := flag.Int("rounds", 5, "rounds (each pushes and pulls one fresh image to both)")
	layers := flag.Int64("layers", 5, "layers per image")
	layerMB := flag.Int64("layer-mb", 12, "MiB per layer (random, incompressible)")
	flag.Parse()
	if err := run(*servin, *peer, *rounds, *layers, *layerMB<<20); err != nil {
		fmt.Fprintf(os.Stderr, "registry-bench: %v\n", err)
		os.Exit(1)
	}
}

type server struct {
	name string
	host string
	stop func()
}

func run(servinBin, peerBin string, rounds int, layers, layerSize int64) error {
	work, err := os.MkdirTemp("", "registry-bench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	s, err := startServin(servinBin, filepath.Join(work, "servin"))
	if err != nil {
		return err
	}
	defer s.stop()
	d, err := startPeer(peerBin, filepath.Join(work, "peer"))
	if err != nil {
		return err
	}
	defer d.stop()
	fmt.Printf("image: %d layers x %d MiB = %d MiB; %d rounds, alternating order\n", layers, layerSize>>20, layers*layerSize>>20, rounds)
	var pushRatios, pullRatios []float64
	for i := 0; i < rounds; i++ {
		img, err := staticImage(layers, layerSize)
		if err != nil {
			return err
		}
		order := []*server{s, d}
		if i%2 == 1 {
			order = []*server{d, s}
		}
		times := map[string][2]time.Duration{}
		for _, srv := range order {
			ref, err := name.ParseReference(fmt.Sprintf("%s/bench/img%d:v1", srv.host, i))
			if err != nil {
				return err
			}
			push, pull, err := pushPull(ref, img)
			if err != nil {
				return fmt.Errorf("%s: %w", srv.name, err)
			}
			times[srv.name] = [2]time.Duration{push, pull}
		}
		st, dt := times[s.name], times[d.name]
		pushRatios = append(pushRatios, st[0].Seconds()/dt[0].Seconds())
		pullRatios = append(pullRatios, st[1].Seconds()/dt[1].Seconds())
		fmt.Printf("round %d: push servin %v docker-registry %v (%.2f)  pull servin %v docker-registry %v (%.2f)\n",
			i+1, st[0].Round(time.Millisecond), dt[0].Round(time.Millisecond), pushRatios[i],
			st[1].Round(time.Millisecond), dt[1].Round(time.Millisecond), pullRatios[i])
	}
	fmt.Printf("push ratio servin/docker-registry (median): %.2f\n", median(pushRatios))
	fmt.Printf("pull ratio servin/docker-registry (median): %.2f\n", median(pullRatios))
	return nil
}

// pushPull pushes img and pulls every layer back in full, timing each.
func pushPull(ref name.Reference, img v1.Image) (time.Duration, time.Duration, error) {
	start := time.Now()
	if err := remote.Write(ref, img); err != nil {
		return 0, 0, fmt.Errorf("push %s: %w", ref, err)
	}
	push := time.Since(start)
	start = time.Now()
	got, err := remote.Image(ref)
	if err != nil {
		return 0, 0, fmt.Errorf("pull %s: %w", ref, err)
	}
	ls, err := got.Layers()
	if err != nil {
		return 0, 0, err
	}
	for _, l := range ls {
		rc, err := l.Compressed()
		if err != nil {
			return 0, 0, err
		}
		_, err = io.Copy(io.Discard, rc)
		rc.Close()
		if err != nil {
			return 0, 0, fmt.Errorf("pull layer: %w", err)
		}
	}
	return push, time.Since(start), nil
}

// staticImage builds an image of random, already "compressed" layers held
// in memory, so pushes time the registries and not the client's gzip.
func staticImage(layers, size int64) (v1.Image, error) {
	var ls []v1.Layer
	for i := int64(0); i < layers; i++ {
		b := make([]byte, size)
		if _, err := rand.Read(b); err != nil {
			return nil, err
		}
		ls = append(ls, static.NewLayer(b, types.OCILayer))
	}
	img, err := mutate.AppendLayers(mutate.MediaType(empty.Image, types.OCIManifestSchema1), ls...)
	if err != nil {
		return nil, err
	}
	// resolve digests now, outside the timed part
	if _, err := img.Digest(); err != nil {
		return nil, err
	}
	return img, nil
}

func median(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	n := len(s)
	if n == 0 {
		return 0
	}
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

func startServin(bin, root string) (*server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	out, err := exec.Command(bin, "--root", root, "start", "--detach", "--port", strconv.Itoa(port), "--log-level", "warn").CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("start servin-registry: %v: %s", err, out)
	}
	return &server{name: "servin", host: "127.0.0.1:" + strconv.Itoa(port), stop: func() {
		_ = exec.Command(bin, "--root", root, "stop").Run()
	}}, nil
}

// startPeer runs docker-registry with the same storage choices as
// servin-registry's defaults (filesystem, in-memory descriptor cache).
func startPeer(bin, dir string) (*server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	cfg := fmt.Sprintf(`version: 0.1
log: {level: warn, accesslog: {disabled: true}}
storage:
  filesystem: {rootdirectory: %s}
  delete: {enabled: true}
  cache: {blobdescriptor: inmemory}
http:
  addr: 127.0.0.1:%d
`, filepath.Join(dir, "data"), port)
	file := filepath.Join(dir, "config.yml")
	if err := os.WriteFile(file, []byte(cfg), 0o644); err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "serve", file)
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start docker-registry: %w", err)
	}
	host := "127.0.0.1:" + strconv.Itoa(port)
	stop := func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for ctx.Err() == nil {
		if resp, err := http.Get("http://" + host + "/v2/"); err == nil {
			resp.Body.Close()
			return &server{name: "docker-registry", host: host, stop: stop}, nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	stop()
	return nil, fmt.Errorf("docker-registry did not answer on %s", host)
}
