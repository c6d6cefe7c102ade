package main_test

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"
	"github.com/servin/servin/libservin/registry"
)

// slowReader hands out data in small pieces with pauses, keeping a request
// in flight while the test stops the server.
type slowReader struct {
	data  []byte
	chunk int
	pause time.Duration
}

func (s *slowReader) Read(p []byte) (int, error) {
	if len(s.data) == 0 {
		return 0, io.EOF
	}
	time.Sleep(s.pause)
	n := min(len(p), s.chunk, len(s.data))
	copy(p, s.data[:n])
	s.data = s.data[n:]
	return n, nil
}

func startUpload(t *testing.T, host, repo string) string {
	t.Helper()
	resp, err := http.Post("http://"+host+"/v2/"+repo+"/blobs/uploads/", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("start upload: %s", resp.Status)
	}
	loc := resp.Header.Get("Location")
	if !strings.HasPrefix(loc, "http") {
		loc = "http://" + host + loc
	}
	return loc
}

func withQuery(loc, k, v string) string {
	u, _ := url.Parse(loc)
	q := u.Query()
	q.Set(k, v)
	u.RawQuery = q.Encode()
	return u.String()
}

// TestStopDrainsUploads: stop (SIGTERM) lets a request in flight finish.
func TestStopDrainsUploads(t *testing.T) {
	root := t.TempDir()
	host, pid := startDetached(t, root)
	data := bytes.Repeat([]byte("servin"), 50000) // 300 kB over ~1.5 s
	loc := startUpload(t, host, "drain/blob")
	req, err := http.NewRequest(http.MethodPut, withQuery(loc, "digest", digest.FromBytes(data).String()), &slowReader{data: data, chunk: 20000, pause: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = int64(len(data))
	done := make(chan *http.Response, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Errorf("upload during stop: %v", err)
			done <- nil
			return
		}
		resp.Body.Close()
		done <- resp
	}()
	time.Sleep(300 * time.Millisecond)
	if r := run(t, nil, "", "--root", root, "stop"); r.code != 0 {
		t.Fatalf("stop: %s", r.stderr)
	}
	resp := <-done
	if resp != nil && resp.StatusCode != http.StatusCreated {
		t.Fatalf("upload in flight during stop: %s", resp.Status)
	}
	if alive(pid) {
		t.Fatal("server alive after stop")
	}
	// and the blob is there after a restart
	port := strings.Split(host, ":")[1]
	if r := run(t, nil, "", "--root", root, "start", "-d", "--port", port); r.code != 0 {
		t.Fatalf("restart: %s", r.stderr)
	}
	got, err := http.Get("http://" + host + "/v2/drain/blob/blobs/" + digest.FromBytes(data).String())
	if err != nil {
		t.Fatal(err)
	}
	defer got.Body.Close()
	if b, _ := io.ReadAll(got.Body); got.StatusCode != http.StatusOK || !bytes.Equal(b, data) {
		t.Fatalf("blob after restart: %s, %d bytes", got.Status, len(b))
	}
}

// TestUploadResumesAcrossRestart: the HTTP secret is kept, so an upload's
// state token stays valid after the server restarts.
func TestUploadResumesAcrossRestart(t *testing.T) {
	root := t.TempDir()
	host, _ := startDetached(t, root)
	first, second := bytes.Repeat([]byte("a"), 1000), bytes.Repeat([]byte("b"), 1000)
	loc := startUpload(t, host, "resume/blob")
	req, _ := http.NewRequest(http.MethodPatch, loc, bytes.NewReader(first))
	req.Header.Set("Content-Type", "application/octet-stream")
	req.Header.Set("Content-Range", "0-999")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("first chunk: %s", resp.Status)
	}
	loc = resp.Header.Get("Location")
	if !strings.HasPrefix(loc, "http") {
		loc = "http://" + host + loc
	}
	if r := run(t, nil, "", "--root", root, "stop"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	port, _ := strconv.Atoi(strings.Split(host, ":")[1])
	if r := run(t, nil, "", "--root", root, "start", "-d", "--port", strconv.Itoa(port)); r.code != 0 {
		t.Fatalf("restart: %s", r.stderr)
	}
	all := append(append([]byte{}, first...), second...)
	req, _ = http.NewRequest(http.MethodPut, withQuery(loc, "digest", digest.FromBytes(all).String()), bytes.NewReader(second))
	req.Header.Set("Content-Type", "application/octet-stream")
	req.Header.Set("Content-Range", "1000-1999")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("resuming the upload after a restart: %s: %s", resp.Status, body)
	}
	if _, err := registry.Running(filepath.Join(root, "registry")); err != nil {
		t.Fatal(err)
	}
}
