package casbin_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	stdcasbin "github.com/casbin/casbin/v2"
	"github.com/casbin/casbin/v2/model"
	stringadapter "github.com/casbin/casbin/v2/persist/string-adapter"

	"github.com/endpointkit/kit/auth/basic"
	kitcasbin "github.com/endpointkit/kit/auth/casbin"
	"github.com/endpointkit/kit/endpoint"
	httptransport "github.com/endpointkit/kit/transport/http"
)

const rbacModel = `
[request_definition]
r = sub, obj, act
[policy_definition]
p = sub, obj, act
[role_definition]
g = _, _
[policy_effect]
e = some(where (p.eft == allow))
[matchers]
m = g(r.sub, p.sub) && r.obj == p.obj && r.act == p.act
`

const policy = `
p, admin, /orders, write
p, reader, /orders, read
g, alice, admin
g, bob, reader
`

func enforcer(t testing.TB) *stdcasbin.SyncedEnforcer {
	t.Helper()
	m, err := model.NewModelFromString(rbacModel)
	if err != nil {
		t.Fatal(err)
	}
	e, err := stdcasbin.NewSyncedEnforcer(m, stringadapter.NewAdapter(policy))
	if err != nil {
		t.Fatal(err)
	}
	return e
}

type userKey struct{}

func asUser(u string) context.Context { return context.WithValue(context.Background(), userKey{}, u) }

func writeOrders(ctx context.Context, _ any) ([]any, error) {
	u, _ := ctx.Value(userKey{}).(string)
	return []any{u, "/orders", "write"}, nil
}

func TestNewAuthorizer(t *testing.T) {
	e := kitcasbin.NewAuthorizer(enforcer(t), writeOrders)(endpoint.Nop)
	if _, err := e(asUser("alice"), nil); err != nil {
		t.Errorf("alice (admin) writes: %v, want nil", err)
	}
	for _, u := range []string{"bob", "mallory", ""} {
		_, err := e(asUser(u), nil)
		var ke *kitcasbin.Error
		if !errors.Is(err, kitcasbin.ErrUnauthorized) || !errors.As(err, &ke) || ke.StatusCode() != http.StatusForbidden {
			t.Errorf("%q writes: err = %v, want a 403 ErrUnauthorized", u, err)
		}
		if o := endpoint.Classify(context.Background(), nil, err); o.Kind != endpoint.CallerError {
			t.Errorf("%q writes: Classify = %v, want caller_error", u, o)
		}
	}
	boom := errors.New("no subject")
	e = kitcasbin.NewAuthorizer(enforcer(t), func(context.Context, any) ([]any, error) { return nil, boom })(endpoint.Nop)
	if _, err := e(context.Background(), nil); !errors.Is(err, boom) {
		t.Errorf("RequestFunc error: err = %v, want it returned", err)
	}
	// Too few values for the model: the enforcer's own error, not a 403.
	e = kitcasbin.NewAuthorizer(enforcer(t), func(context.Context, any) ([]any, error) { return []any{"alice"}, nil })(endpoint.Nop)
	if _, err := e(context.Background(), nil); err == nil || errors.Is(err, kitcasbin.ErrUnauthorized) {
		t.Errorf("request with one value for a three-value model: err = %v, want the enforcer's error", err)
	}
}

func TestNewAuthorizerConcurrent(t *testing.T) {
	enf := enforcer(t)
	e := kitcasbin.NewAuthorizer(enf, writeOrders)(endpoint.Nop)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				if g == 0 && i%50 == 0 { // policy changes while calls run
					if _, err := enf.AddGroupingPolicy(fmt.Sprintf("u%d", i), "admin"); err != nil {
						t.Errorf("AddGroupingPolicy: %v", err)
					}
				}
				if _, err := e(asUser("alice"), nil); err != nil {
					t.Errorf("alice: %v", err)
				}
				if _, err := e(asUser("bob"), nil); !errors.Is(err, kitcasbin.ErrUnauthorized) {
					t.Errorf("bob: err = %v, want ErrUnauthorized", err)
				}
			}
		})
	}
	wg.Wait()
}

// TestNewEnforcer is Go kit's use: model and policy in the context.
func TestNewEnforcer(t *testing.T) {
	m, _ := model.NewModelFromString(rbacModel)
	ctx := context.WithValue(context.Background(), kitcasbin.CasbinModelContextKey, m)
	ctx = context.WithValue(ctx, kitcasbin.CasbinPolicyContextKey, stringadapter.NewAdapter(policy))
	var sawEnforcer bool
	next := func(ctx context.Context, _ any) (any, error) {
		_, sawEnforcer = ctx.Value(kitcasbin.CasbinEnforcerKey).(*stdcasbin.Enforcer)
		return "ok", nil
	}
	if _, err := kitcasbin.NewEnforcer("alice", "/orders", "write")(next)(ctx, nil); err != nil || !sawEnforcer {
		t.Errorf("alice writes: err %v, enforcer in ctx %v; want nil, true", err, sawEnforcer)
	}
	if _, err := kitcasbin.NewEnforcer("bob", "/orders", "write")(next)(ctx, nil); !errors.Is(err, kitcasbin.ErrUnauthorized) {
		t.Errorf("bob writes: err = %v, want ErrUnauthorized", err)
	}
	noModel := context.WithValue(context.Background(), kitcasbin.CasbinPolicyContextKey, stringadapter.NewAdapter(policy))
	if _, err := kitcasbin.NewEnforcer("alice", "/orders", "write")(next)(noModel, nil); !errors.Is(err, kitcasbin.ErrModelContextMissing) {
		t.Errorf("no model: err = %v, want ErrModelContextMissing", err)
	}
	noPolicy := context.WithValue(context.Background(), kitcasbin.CasbinModelContextKey, m)
	if _, err := kitcasbin.NewEnforcer("alice", "/orders", "write")(next)(noPolicy, nil); !errors.Is(err, kitcasbin.ErrPolicyContextMissing) {
		t.Errorf("no policy: err = %v, want ErrPolicyContextMissing", err)
	}
}

// TestWithBasicOverHTTP chains authentication (auth/basic) and
// authorisation behind a real kit HTTP server: no credentials 401, a user
// without rights 403, an admin 200.
func TestWithBasicOverHTTP(t *testing.T) {
	users := map[string]basic.CheckFunc{"alice": basic.Static("alice", "a-pw"), "bob": basic.Static("bob", "b-pw")}
	check := func(ctx context.Context, u, p string) (bool, error) {
		c, ok := users[u]
		if !ok {
			return false, nil
		}
		return c(ctx, u, p)
	}
	authz := kitcasbin.NewAuthorizer(enforcer(t), func(ctx context.Context, _ any) ([]any, error) {
		u, _ := basic.UserFromContext(ctx)
		return []any{u, "/orders", "write"}, nil
	})
	e := endpoint.Chain(basic.NewMiddleware("orders", check), authz)(func(context.Context, any) (any, error) { return "written", nil })
	srv := httptest.NewServer(httptransport.NewServer(e,
		func(context.Context, *http.Request) (any, error) { return nil, nil },
		httptransport.EncodeJSONResponse, httptransport.ServerBefore(basic.HTTPToContext())))
	defer srv.Close()
	for _, tc := range []struct {
		user, pass string
		want       int
	}{
		{"", "", 401},
		{"alice", "wrong", 401},
		{"bob", "b-pw", 403},
		{"alice", "a-pw", 200},
	} {
		req, _ := http.NewRequest("POST", srv.URL, nil)
		if tc.user != "" {
			req.SetBasicAuth(tc.user, tc.pass)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("%s:%s: status %d, want %d", tc.user, tc.pass, resp.StatusCode, tc.want)
		}
	}
}

func BenchmarkNewAuthorizer(b *testing.B) {
	e := kitcasbin.NewAuthorizer(enforcer(b), writeOrders)(endpoint.Nop)
	ctx := asUser("alice")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e(ctx, nil); err != nil {
			b.Fatal(err)
		}
	}
}
