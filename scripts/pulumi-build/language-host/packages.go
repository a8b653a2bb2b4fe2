package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
)

// packageJSON holds the parts of a package.json that say whether a package brings a Pulumi resource plugin.
type packageJSON struct {
	Name         string            `json:"name"`
	Version      string            `json:"version"`
	Dependencies map[string]string `json:"dependencies"`
	Pulumi       struct {
		Resource bool   `json:"resource"`
		Name     string `json:"name"`
		Version  string `json:"version"`
		Server   string `json:"server"`
	} `json:"pulumi"`
}

func (h *languageHost) GetRequiredPlugins(
	_ context.Context, req *pulumirpc.GetRequiredPluginsRequest,
) (*pulumirpc.GetRequiredPluginsResponse, error) {
	var plugins []*pulumirpc.PluginDependency
	for _, p := range resourcePackages(req.GetInfo().GetProgramDirectory()) {
		plugins = append(plugins, &pulumirpc.PluginDependency{Name: p.Name, Kind: "resource", Version: p.Version, Server: p.Server})
	}
	return &pulumirpc.GetRequiredPluginsResponse{Plugins: plugins}, nil
}

func (h *languageHost) GetRequiredPackages(
	_ context.Context, req *pulumirpc.GetRequiredPackagesRequest,
) (*pulumirpc.GetRequiredPackagesResponse, error) {
	var packages []*pulumirpc.PackageDependency
	for _, p := range resourcePackages(req.GetInfo().GetProgramDirectory()) {
		packages = append(packages, &pulumirpc.PackageDependency{Name: p.Name, Kind: "resource", Version: p.Version, Server: p.Server})
	}
	return &pulumirpc.GetRequiredPackagesResponse{Packages: packages}, nil
}

type resourcePackage struct{ Name, Version, Server string }

// resourcePackages lists the packages installed for the program (node_modules of the program directory and of its
// parents, as Node resolves them) whose package.json declares a Pulumi resource plugin.
func resourcePackages(dir string) []resourcePackage {
	seen := map[string]bool{}
	var found []resourcePackage
	for d := dir; d != "" && d != filepath.Dir(d); d = filepath.Dir(d) {
		for _, file := range packageFiles(filepath.Join(d, "node_modules")) {
			var pkg packageJSON
			if b, err := os.ReadFile(file); err != nil || json.Unmarshal(b, &pkg) != nil || !pkg.Pulumi.Resource {
				continue
			}
			name, version := pluginName(pkg), pkg.Pulumi.Version
			if version == "" {
				version = pkg.Version
			}
			if !strings.HasPrefix(version, "v") {
				version = "v" + version
			}
			if !seen[name] {
				seen[name] = true
				found = append(found, resourcePackage{Name: name, Version: version, Server: pkg.Pulumi.Server})
			}
		}
	}
	sort.Slice(found, func(i, j int) bool { return found[i].Name < found[j].Name })
	return found
}

func packageFiles(nodeModules string) []string {
	direct, _ := filepath.Glob(filepath.Join(nodeModules, "*", "package.json"))
	scoped, _ := filepath.Glob(filepath.Join(nodeModules, "@*", "*", "package.json"))
	return append(direct, scoped...)
}

func pluginName(pkg packageJSON) string {
	if pkg.Pulumi.Name != "" {
		return pkg.Pulumi.Name
	}
	return strings.TrimPrefix(strings.TrimPrefix(pkg.Name, "@pulumi/"), "@")
}

func (h *languageHost) GetProgramDependencies(
	_ context.Context, req *pulumirpc.GetProgramDependenciesRequest,
) (*pulumirpc.GetProgramDependenciesResponse, error) {
	var pkg packageJSON
	b, err := os.ReadFile(filepath.Join(req.GetInfo().GetProgramDirectory(), "package.json"))
	if err != nil || json.Unmarshal(b, &pkg) != nil {
		return &pulumirpc.GetProgramDependenciesResponse{}, nil
	}
	var deps []*pulumirpc.DependencyInfo
	for name, version := range pkg.Dependencies {
		deps = append(deps, &pulumirpc.DependencyInfo{Name: name, Version: version})
	}
	sort.Slice(deps, func(i, j int) bool { return deps[i].Name < deps[j].Name })
	return &pulumirpc.GetProgramDependenciesResponse{Dependencies: deps}, nil
}

func (h *languageHost) About(context.Context, *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	out, err := exec.Command("node", "--version").Output()
	if err != nil {
		return nil, err
	}
	path, _ := exec.LookPath("node")
	return &pulumirpc.AboutResponse{
		Executable: path,
		Version:    strings.TrimSpace(string(out)),
		Metadata:   map[string]string{"host": "bootshift pulumi-language-nodejs", "goos": runtime.GOOS},
	}, nil
}

// InstallDependencies runs `npm install` in the program directory, streaming its output back to the engine.
func (h *languageHost) InstallDependencies(
	req *pulumirpc.InstallDependenciesRequest, stream grpc.ServerStreamingServer[pulumirpc.InstallDependenciesResponse],
) error {
	dir := req.GetInfo().GetProgramDirectory()
	if dir == "" {
		dir = req.GetDirectory()
	}
	cmd := exec.Command("npm", "install")
	cmd.Dir = dir
	cmd.Stdout = streamWriter{stream: stream, stderr: false}
	cmd.Stderr = streamWriter{stream: stream, stderr: true}
	return cmd.Run()
}

type streamWriter struct {
	stream grpc.ServerStreamingServer[pulumirpc.InstallDependenciesResponse]
	stderr bool
}

func (w streamWriter) Write(p []byte) (int, error) {
	chunk := append([]byte{}, p...)
	resp := &pulumirpc.InstallDependenciesResponse{Stdout: chunk}
	if w.stderr {
		resp = &pulumirpc.InstallDependenciesResponse{Stderr: chunk}
	}
	if err := w.stream.Send(resp); err != nil {
		return 0, err
	}
	return len(p), nil
}
