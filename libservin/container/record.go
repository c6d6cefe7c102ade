package container

import (
	"time"

	digest "github.com/opencontainers/go-digest"
)

// Status values, as docker's.
const (
	StatusCreated    = "created"
	StatusRunning    = "running"
	StatusPaused     = "paused"
	StatusRestarting = "restarting"
	StatusExited     = "exited"
	StatusRemoving   = "removing"
)

// Container is the content of container.json (specs/containers.md).
type Container struct {
	ID      string    `json:"id"`
	Name    string    `json:"name"`
	Created time.Time `json:"created"`
	// Image is the image's manifest digest; servin-image rm reads it
	// (specs/image-store.md "Images in use").
	Image     digest.Digest `json:"image"`
	ImageName string        `json:"imageName"`
	ImageID   digest.Digest `json:"imageID"`
	// Runtime is the runtime binary's path and RuntimeRoot its --root:
	// every later command uses the runtime that created the container.
	Runtime     string            `json:"runtime"`
	RuntimeRoot string            `json:"runtimeRoot"`
	Bundle      string            `json:"bundle"`
	Rootfs      string            `json:"rootfs"`
	LogPath     string            `json:"logPath"`
	Path        string            `json:"path"`
	Args        []string          `json:"args"`
	Labels      map[string]string `json:"labels,omitempty"`
	HostConfig  HostConfig        `json:"hostConfig"`
	Mounts      []Mount           `json:"mounts,omitempty"`
	State       State             `json:"state"`
}

// HostConfig holds the run options that act after creation.
type HostConfig struct {
	Tty         bool          `json:"tty,omitempty"`
	OpenStdin   bool          `json:"openStdin,omitempty"`
	AutoRemove  bool          `json:"autoRemove,omitempty"`
	Restart     RestartPolicy `json:"restartPolicy"`
	LogMaxSize  int64         `json:"logMaxSize,omitempty"`
	LogMaxFiles int           `json:"logMaxFiles,omitempty"`
	NetworkMode string        `json:"networkMode"`
	Init        bool          `json:"init,omitempty"`
}

// RestartPolicy is --restart: Name is "no", "on-failure" or "always";
// MaxRetries bounds on-failure (0: unbounded).
type RestartPolicy struct {
	Name       string `json:"name"`
	MaxRetries int    `json:"maxRetries,omitempty"`
}

// Mount describes a volume or bind mount for inspect and volume-in-use
// checks.
type Mount struct {
	Type        string   `json:"type"` // volume, bind or tmpfs
	Name        string   `json:"name,omitempty"`
	Source      string   `json:"source,omitempty"`
	Destination string   `json:"destination"`
	ReadOnly    bool     `json:"readOnly,omitempty"`
	Options     []string `json:"options,omitempty"` // tmpfs options
}

// State is the container's run state, kept by the monitor and the CLI.
type State struct {
	Status       string    `json:"status"`
	Pid          int       `json:"pid,omitempty"`
	MonitorPid   int       `json:"monitorPid,omitempty"`
	MonitorStart uint64    `json:"monitorStartTime,omitempty"`
	BootID       string    `json:"bootID,omitempty"`
	ExitCode     int       `json:"exitCode"`
	OOMKilled    bool      `json:"oomKilled,omitempty"`
	StartedAt    time.Time `json:"startedAt,omitzero"`
	FinishedAt   time.Time `json:"finishedAt,omitzero"`
	RestartCount int       `json:"restartCount,omitempty"`
	// StopRequested is set by stop/kill so the monitor does not restart.
	StopRequested bool   `json:"stopRequested,omitempty"`
	Error         string `json:"error,omitempty"`
}

// Running reports whether the container has a live process (running,
// paused or restarting).
func (s State) Running() bool {
	return s.Status == StatusRunning || s.Status == StatusPaused || s.Status == StatusRestarting
}

// ShortID is the 12-digit form shown by ls.
func (c *Container) ShortID() string {
	if len(c.ID) > 12 {
		return c.ID[:12]
	}
	return c.ID
}
