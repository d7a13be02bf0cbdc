package main

// The Lua environment of Argo CD's health checks, as Argo CD v3.5.7 sets it up in
// util/lua/lua.go (VM.runLua, ExecuteHealthLua, decodeValue): the script sees the object as the
// global `obj`, runs with a one-second deadline, and its returned table is read as
// {status, message}. A health customization from argocd-cm runs without the open libraries
// (useOpenLibs is false unless the admin sets it), so only package, base and table are loaded
// here; Argo CD adds a safe os (time, date), which our scripts do not use, so it is left out
// and a script that calls os fails here rather than passing.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	lua "github.com/yuin/gopher-lua"
	luajson "layeh.com/gopher-json"
)

// HealthStatus is Argo CD's health.HealthStatus as the Lua script returns it.
type HealthStatus struct {
	Status  string `json:"status,omitempty"`
	Message string `json:"message,omitempty"`
}

// validStatuses are the codes Argo CD accepts (isValidHealthStatusCode); any other becomes Unknown.
var validStatuses = map[string]bool{
	"Unknown": true, "Progressing": true, "Suspended": true, "Healthy": true, "Degraded": true, "Missing": true,
}

const invalidHealthStatus = "Lua returned an invalid health status"

// executeHealthLua runs script against obj (a JSON-shaped map) and reads its answer.
func executeHealthLua(obj map[string]any, script string) (*HealthStatus, error) {
	l := lua.NewState(lua.Options{SkipOpenLibs: true})
	defer l.Close()
	for _, lib := range []struct {
		name string
		open lua.LGFunction
	}{{lua.LoadLibName, lua.OpenPackage}, {lua.BaseLibName, lua.OpenBase}, {lua.TabLibName, lua.OpenTable}} {
		if err := l.CallByParam(lua.P{Fn: l.NewFunction(lib.open), NRet: 0, Protect: true}, lua.LString(lib.name)); err != nil {
			return nil, err
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	l.SetContext(ctx)
	l.SetGlobal("obj", decodeValue(l, obj))
	if err := l.DoString(script); err != nil {
		var apiErr *lua.ApiError
		if errors.As(err, &apiErr) && apiErr.Type == lua.ApiErrorRun {
			apiErr.StackTrace = ""
		}
		return nil, err
	}
	returned := l.Get(-1)
	switch returned.Type() {
	case lua.LTTable:
		// Through JSON, as Argo CD reads it: a field of the wrong type is an error, an empty
		// table (encoded as []) an empty status.
		encoded, err := luajson.Encode(returned)
		if err != nil {
			return nil, err
		}
		status := &HealthStatus{}
		if err := json.Unmarshal(encoded, status); err != nil {
			var typeError *json.UnmarshalTypeError
			if errors.As(err, &typeError) && typeError.Value == "array" {
				return &HealthStatus{}, nil
			}
			return nil, err
		}
		if !validStatuses[status.Status] {
			return &HealthStatus{Status: "Unknown", Message: invalidHealthStatus}, nil
		}
		return status, nil
	case lua.LTNil:
		return &HealthStatus{}, nil
	default:
		return nil, fmt.Errorf("expect table output from Lua script, not %s", returned.Type().String())
	}
}

// decodeValue is Argo CD's: maps become tables, arrays become sequences, numbers LNumber.
func decodeValue(l *lua.LState, value any) lua.LValue {
	switch converted := value.(type) {
	case bool:
		return lua.LBool(converted)
	case float64:
		return lua.LNumber(converted)
	case int64:
		return lua.LNumber(converted)
	case string:
		return lua.LString(converted)
	case []any:
		arr := l.CreateTable(len(converted), 0)
		for _, item := range converted {
			arr.Append(decodeValue(l, item))
		}
		return arr
	case map[string]any:
		tbl := l.CreateTable(0, len(converted))
		for key, item := range converted {
			tbl.RawSetH(lua.LString(key), decodeValue(l, item))
		}
		return tbl
	}
	return lua.LNil
}
