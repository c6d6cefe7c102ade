package linux

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/servin/servin/libservin/runtime/nsenter"
)

// Message types of the Go-level init protocol (after the nsenter "P" reply).
const (
	MsgConfig    = "config"     // parent → init: the InitConfig
	MsgHooks     = "hooks"      // init → parent: run prestart and createRuntime hooks now
	MsgHooksDone = "hooks-done" // parent → init: they succeeded
	MsgReady     = "ready"      // init → parent: set up, now waiting for start
	MsgStart     = "start"      // parent → init: start now (run, which makes no exec fifo)
	MsgError     = "error"      // either way: failure, with Error set
	MsgWarn      = "warn"       // init → parent: a warning to log, in Error
)

// Message is one frame of the init protocol.
type Message struct {
	Type   string      `json:"type"`
	Error  string      `json:"error,omitempty"`
	Config *InitConfig `json:"config,omitempty"`
}

// InitConfig is everything the init process needs; the parent sends it so
// that the child never re-reads config.json from the bundle.
type InitConfig struct {
	ID      string      `json:"id"`
	Bundle  string      `json:"bundle"`
	Rootfs  string      `json:"rootfs"`
	Spec    *specs.Spec `json:"spec"`
	NoPivot bool        `json:"noPivot,omitempty"`
	// NoNewKeyring keeps the runtime's session keyring instead of a new one.
	NoNewKeyring bool `json:"noNewKeyring,omitempty"`
	// Exec is set for `servin-run exec`: join, do not build a root.
	Exec bool `json:"exec,omitempty"`
	// PreserveFds is how many descriptors after stdio go to the process.
	PreserveFds int `json:"preserveFds,omitempty"`
	// FifoFd is the O_PATH descriptor of the exec fifo; -1 for exec, and
	// for a create that `run` starts itself with MsgStart.
	FifoFd int `json:"fifoFd"`
	// ConsoleFd is the connected console socket (-1 when none).
	ConsoleFd int `json:"consoleFd"`
	// MountFds has, per config mount, the descriptor of its prepared
	// idmapped tree, or -1 (see RootfsOptions.MountFds).
	MountFds []int `json:"mountFds,omitempty"`
	// DetachedCwd etc. could follow; State is the base for hook input.
	State specs.State `json:"state"`
}

// Send writes one message.
func Send(w io.Writer, m Message) error {
	p, err := json.Marshal(m)
	if err != nil {
		return err
	}
	return nsenter.WriteMessage(w, p)
}

// Reply is a message that carries no config: all the parent receives,
// and the start and hooks-done it sends. Same JSON as Message; encoding or
// decoding it builds no encoders for the spec's many types (encoding/json
// does that for every type a struct reaches, the first time: as much CPU
// as decoding the config itself).
type Reply struct {
	Type  string `json:"type"`
	Error string `json:"error,omitempty"`
}

// SendReply writes one reply.
func SendReply(w io.Writer, m Reply) error {
	p, err := json.Marshal(m)
	if err != nil {
		return err
	}
	return nsenter.WriteMessage(w, p)
}

// ReceiveReply reads one message as a Reply.
func ReceiveReply(r io.Reader) (Reply, error) {
	var m Reply
	err := receive(r, &m)
	return m, err
}

// Receive reads one message.
func Receive(r io.Reader) (Message, error) {
	var m Message
	err := receive(r, &m)
	return m, err
}

// receive reads one message into m.
func receive(r io.Reader, m any) error {
	p, err := nsenter.ReadMessage(r)
	if err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return fmt.Errorf("container init exited unexpectedly")
		}
		return err
	}
	if err := json.Unmarshal(p, m); err != nil {
		return fmt.Errorf("decode init message: %w", err)
	}
	return nil
}
