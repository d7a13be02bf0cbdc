// Command lua-health runs Argo CD health customizations (health.lua) the way Argo CD runs them
// (see vm.go), so the GitOps tests can check ours without building Argo CD.
//
//	lua-health test <resource_customizations>   every health_test.yaml case below the folder
//	lua-health eval <health.lua> <object.yaml>   one object, e.g. one read from a live hub
//
// Both print one JSON line per evaluation; `test` exits 1 when a case fails.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"

	"sigs.k8s.io/yaml"
)

// testFile is Argo CD's health_test.yaml (util/lua/health_test.go: TestStructure).
type testFile struct {
	Tests []struct {
		InputPath    string       `json:"inputPath"`
		HealthStatus HealthStatus `json:"healthStatus"`
	} `json:"tests"`
}

// result is one evaluation: what the script returned, or why it could not.
type result struct {
	Customization string        `json:"customization,omitempty"`
	InputPath     string        `json:"inputPath,omitempty"`
	Expected      *HealthStatus `json:"expected,omitempty"`
	Actual        *HealthStatus `json:"actual,omitempty"`
	Error         string        `json:"error,omitempty"`
}

func main() {
	if len(os.Args) == 3 && os.Args[1] == "test" {
		os.Exit(runTests(os.Args[2]))
	}
	if len(os.Args) == 4 && os.Args[1] == "eval" {
		emit(evaluate(os.Args[2], os.Args[3]))
		return
	}
	fmt.Fprintln(os.Stderr, "usage: lua-health test <resource_customizations> | lua-health eval <health.lua> <object.yaml>")
	os.Exit(2)
}

// runTests runs every case of every health_test.yaml next to a health.lua below root.
func runTests(root string) int {
	failed := 0
	err := filepath.WalkDir(root, func(path string, entry os.DirEntry, err error) error {
		if err != nil || entry.IsDir() || entry.Name() != "health.lua" {
			return err
		}
		dir := filepath.Dir(path)
		name, _ := filepath.Rel(root, dir)
		var tests testFile
		if err := readYAML(filepath.Join(dir, "health_test.yaml"), &tests); err != nil {
			failed++
			emit(result{Customization: name, Error: err.Error()})
			return nil
		}
		for _, test := range tests.Tests {
			expected := test.HealthStatus
			r := evaluate(path, filepath.Join(dir, test.InputPath))
			r.Customization, r.InputPath, r.Expected = name, test.InputPath, &expected
			if r.Error != "" || !reflect.DeepEqual(r.Actual, r.Expected) {
				failed++
			}
			emit(r)
		}
		return nil
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if failed > 0 {
		return 1
	}
	return 0
}

func evaluate(scriptPath, objectPath string) result {
	script, err := os.ReadFile(scriptPath)
	if err != nil {
		return result{Error: err.Error()}
	}
	obj := map[string]any{}
	if err := readYAML(objectPath, &obj); err != nil {
		return result{Error: err.Error()}
	}
	status, err := executeHealthLua(obj, string(script))
	if err != nil {
		return result{Error: err.Error()}
	}
	return result{Actual: status}
}

// readYAML decodes as Argo CD's tests do: sigs.k8s.io/yaml, YAML through JSON.
func readYAML(path string, into any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := yaml.Unmarshal(data, into); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

func emit(r result) {
	line, _ := json.Marshal(r)
	fmt.Println(string(line))
}
