package unpack_test

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/servin/servin/libservin/image/unpack"
)

// TestEvilLayers applies hand-made hostile layers and checks that nothing
// outside the target directory changed, and that the error (when the layer
// is refused) is the expected one.
func TestEvilLayers(t *testing.T) {
	type tc struct {
		name    string
		layers  func(s *sandbox) [][]ent
		wantErr error  // nil: must succeed
		errText string // substring of the error, when wantErr is nil and an error is still acceptable
		inside  []string
		gone    []string
	}
	tests := []tc{
		{name: "dotdot file", wantErr: unpack.ErrUnsafePath, layers: func(s *sandbox) [][]ent {
			return [][]ent{{file("../outside/secret", "pwned")}}
		}},
		{name: "dotdot in the middle", wantErr: unpack.ErrUnsafePath, layers: func(s *sandbox) [][]ent {
			return [][]ent{{file("a/../../outside/new", "pwned")}}
		}},
		{name: "absolute name stays inside", layers: func(s *sandbox) [][]ent {
			return [][]ent{{file(s.outside+"/secret", "pwned")}}
		}, inside: []string{"$OUT/secret"}},
		{name: "absolute dotdot", wantErr: unpack.ErrUnsafePath, layers: func(s *sandbox) [][]ent {
			return [][]ent{{file("/../outside/secret", "pwned")}}
		}},
		{name: "symlinked parent with absolute host target", errText: "no such file", layers: func(s *sandbox) [][]ent {
			return [][]ent{{symlink("lnk", s.outside), file("lnk/secret", "pwned"), file("lnk/new", "pwned")}}
		}},
		{name: "symlinked parent with relative climbing target", layers: func(s *sandbox) [][]ent {
			return [][]ent{{dir("outside/"), symlink("lnk", "../../../../../outside"), file("lnk/secret", "pwned")}}
		}, inside: []string{"outside/secret"}},
		{name: "symlink to slash then write through it", layers: func(s *sandbox) [][]ent {
			return [][]ent{{symlink("r", "/"), file("r"+s.outside+"/secret", "pwned")}}
		}, inside: []string{"$OUT/secret"}},
		{name: "hardlink to host passwd", wantErr: unpack.ErrBadEntry, layers: func(s *sandbox) [][]ent {
			return [][]ent{{hardlink("pw", "/etc/passwd")}}
		}},
		{name: "hardlink to absolute sentinel", wantErr: unpack.ErrBadEntry, layers: func(s *sandbox) [][]ent {
			return [][]ent{{hardlink("hl", s.outside+"/secret")}}
		}},
		{name: "hardlink dotdot", wantErr: unpack.ErrUnsafePath, layers: func(s *sandbox) [][]ent {
			return [][]ent{{hardlink("hl", "../outside/secret")}}
		}},
		{name: "hardlink through symlinked dir", wantErr: unpack.ErrBadEntry, layers: func(s *sandbox) [][]ent {
			return [][]ent{{symlink("lnk", s.outside), hardlink("hl", "lnk/secret")}}
		}},
		{name: "whiteout dotdot", wantErr: unpack.ErrUnsafePath, layers: func(s *sandbox) [][]ent {
			return [][]ent{{file("../.wh.outside", "")}}
		}},
		{name: "whiteout under symlink to outside", layers: func(s *sandbox) [][]ent {
			return [][]ent{{symlink("lnk", s.outside), symlink("base", s.base)},
				{file("lnk/.wh.secret", ""), file("lnk/.wh.sub", ""), file("base/.wh.outside", ""), file("lnk/.wh..wh..opq", "")}}
		}},
		{name: "whiteout of symlink to outside dir removes the link only", layers: func(s *sandbox) [][]ent {
			return [][]ent{{symlink("lnk", s.outside)}, {file(".wh.lnk", "")}}
		}, gone: []string{"lnk"}},
		{name: "opaque dir under relative climbing symlink", layers: func(s *sandbox) [][]ent {
			return [][]ent{{symlink("up", "../.."), dir("outside/"), file("outside/keep", "k")}, {file("up/outside/.wh..wh..opq", "")}}
		}, inside: []string{"outside", "up"}, gone: []string{"outside/keep"}},
		{name: "dir replaced by symlink then written through", errText: "no such file", layers: func(s *sandbox) [][]ent {
			d := dir("d/")
			d.hdr.Mode = 0o700
			return [][]ent{{d, file("d/f", "x"), symlink("d", s.outside), file("d/secret", "pwned"), file("d/sub/x", "pwned")}}
		}},
		{name: "dir replaced by symlink in a later layer", errText: "no such file", layers: func(s *sandbox) [][]ent {
			return [][]ent{{dir("d/"), file("d/f", "x")}, {symlink("d", s.outside)}, {file("d/secret", "pwned")}}
		}},
		{name: "symlink entry named like an outside path", layers: func(s *sandbox) [][]ent {
			return [][]ent{{symlink(s.outside, "/"), file(s.outside+"/sub/x", "pwned")}}
		}},
		{name: "file over a symlink to an outside file", layers: func(s *sandbox) [][]ent {
			return [][]ent{{symlink("s", s.outside+"/secret")}, {file("s", "pwned")}}
		}, inside: []string{"s"}},
		{name: "hardlink to a symlink to outside, then written", layers: func(s *sandbox) [][]ent {
			return [][]ent{{symlink("s", s.outside+"/secret"), hardlink("h", "s"), file("h", "pwned")}}
		}, inside: []string{"h", "s"}},
		{name: "dir entry over a symlink to an outside dir", layers: func(s *sandbox) [][]ent {
			d := dir("d/")
			d.hdr.Mode = 0o777
			d.hdr.PAXRecords = map[string]string{"SCHILY.xattr.user.evil": "1"}
			return [][]ent{{symlink("d", s.outside)}, {d, file("d/secret", "pwned")}}
		}, inside: []string{"d/secret"}},
		{name: "device node over a symlink to outside", layers: func(s *sandbox) [][]ent {
			n := ent{hdr: tar.Header{Typeflag: tar.TypeFifo, Name: "p", Mode: 0o666, ModTime: epoch}}
			return [][]ent{{symlink("p", s.outside+"/secret"), n}}
		}, inside: []string{"p"}},
		{name: "xattr on a symlink to outside", layers: func(s *sandbox) [][]ent {
			l := symlink("s", s.outside+"/secret")
			l.hdr.PAXRecords = map[string]string{"SCHILY.xattr.user.evil": "1", "SCHILY.xattr.trusted.evil": "1"}
			return [][]ent{{l}}
		}, inside: []string{"s"}},
		{name: "dotdot that stays inside", layers: func(s *sandbox) [][]ent {
			f := ent{hdr: dir("x/").hdr}
			f.hdr.Name = "x/../x/"
			return [][]ent{{f}}
		}, inside: []string{"x"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newSandbox(t)
			var err error
			for _, l := range tc.layers(s) {
				if _, err = unpack.ApplyLayer(context.Background(), s.root, bytes.NewReader(layerTar(t, l...))); err != nil {
					break
				}
			}
			s.check(t)
			switch {
			case tc.wantErr != nil:
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("error = %v, want %v", err, tc.wantErr)
				}
				t.Logf("refused as expected: %v", err)
			case err != nil && (tc.errText == "" || !strings.Contains(err.Error(), tc.errText)):
				t.Fatalf("unexpected error: %v", err)
			}
			for _, p := range tc.gone {
				if _, err := os.Lstat(filepath.Join(s.root, p)); !os.IsNotExist(err) {
					t.Errorf("expected %s removed from the root: %v", p, err)
				}
			}
			for _, p := range tc.inside {
				p = strings.ReplaceAll(p, "$OUT", strings.TrimPrefix(s.outside, "/"))
				if _, err := os.Lstat(filepath.Join(s.root, p)); err != nil {
					t.Errorf("expected %s inside the root: %v", p, err)
				}
			}
		})
	}
}
