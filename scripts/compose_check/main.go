// compose-check loads a compose file with compose-go (github.com/compose-spec/compose-go/v2, the loader
// `docker compose` itself uses) the way `docker compose` does, and prints the resolved project as JSON: the
// services the given profiles enable (interpolated, env files read, paths resolved, defaults filled in), the names
// of those left disabled, volumes and networks. When the loader refuses the file it prints why on stderr and exits
// 1. Nothing is contacted: no Docker daemon, no registry. Built by `deno task setup` (tests/support/compose_check.ts).
//
//	compose-check [-profile NAME]... -project-directory DIR [FILE]   (FILE relative to DIR; docker-compose.yml)
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/compose-spec/compose-go/v2/cli"
)

type profiles []string

func (p *profiles) String() string     { return strings.Join(*p, ",") }
func (p *profiles) Set(v string) error { *p = append(*p, v); return nil }

func main() {
	var active profiles
	flag.Var(&active, "profile", "a profile to enable (repeatable), as docker compose --profile")
	dir := flag.String("project-directory", ".", "the project directory: relative paths and the .env file are read from it")
	flag.Parse()
	file := filepath.Join(*dir, "docker-compose.yml")
	if flag.NArg() > 0 {
		file = flag.Arg(0)
		if !filepath.IsAbs(file) {
			file = filepath.Join(*dir, file)
		}
	}
	if err := run(*dir, file, active); err != nil {
		fmt.Fprintf(os.Stderr, "compose-check: %v\n", err)
		os.Exit(1)
	}
}

func run(dir, file string, active []string) error {
	// As docker compose builds its project, without the OS environment: only the project's .env interpolates,
	// so what the test sees does not depend on the shell it runs in.
	options, err := cli.NewProjectOptions(
		[]string{file},
		cli.WithWorkingDirectory(dir),
		cli.WithEnvFiles(),
		cli.WithDotEnv,
		cli.WithProfiles(active),
		// As `docker compose up`: volumes and networks no enabled service uses are left out.
		cli.WithoutUnnecessaryResources,
	)
	if err != nil {
		return err
	}
	project, err := options.LoadProject(context.Background())
	if err != nil {
		return err
	}
	resolved, err := project.MarshalJSON()
	if err != nil {
		return err
	}
	var out map[string]any
	if err := json.Unmarshal(resolved, &out); err != nil {
		return err
	}
	out["profiles"] = active
	out["disabled_services"] = project.DisabledServiceNames()
	text, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return err
	}
	fmt.Println(string(text))
	return nil
}
