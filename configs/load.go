package configs

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	"gopkg.in/yaml.v3"
)

// Flags are the command-line overrides; a nil field was not given.
type Flags struct {
	Listen, Data, NATS *string
	Workers            *int
	WorkerID, Server   *string
}

// Load builds the configuration: defaults → YAML file (path, else
// ROOMCAST_CONFIG, if either is set) → environment (getenv, normally
// os.Getenv) → flags, then Validate.
func Load(path string, getenv func(string) string, f Flags) (Config, error) {
	c := Default()
	if path == "" && getenv != nil {
		path = getenv("ROOMCAST_CONFIG")
	}
	if path != "" {
		if err := c.loadFile(path); err != nil {
			return c, err
		}
	}
	if err := c.applyEnv(getenv); err != nil {
		return c, err
	}
	c.applyFlags(f)
	if err := c.Validate(); err != nil {
		return c, err
	}
	return c, nil
}

func (c *Config) loadFile(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("config file: %w", err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(c); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("config file %s: %w", path, err)
	}
	return nil
}

func (c *Config) applyFlags(f Flags) {
	if f.Listen != nil {
		c.Listen = *f.Listen
	}
	if f.Data != nil {
		c.Data = *f.Data
	}
	if f.NATS != nil {
		c.NATS.URL = *f.NATS
	}
	if f.Workers != nil {
		c.Worker.Count = *f.Workers
	}
	if f.WorkerID != nil {
		c.Worker.ID = *f.WorkerID
	}
	if f.Server != nil {
		c.Worker.Server = *f.Server
	}
}
