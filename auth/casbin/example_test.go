package casbin_test

import (
	"context"
	"fmt"

	stdcasbin "github.com/casbin/casbin/v2"
	"github.com/casbin/casbin/v2/model"
	stringadapter "github.com/casbin/casbin/v2/persist/string-adapter"

	kitcasbin "github.com/endpointkit/kit/auth/casbin"
)

// Example lets only admins write orders. The subject would come from an
// authentication middleware (auth/basic, auth/jwt); here it is in the
// context directly.
func Example() {
	m, _ := model.NewModelFromString(`
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
`)
	enforcer, _ := stdcasbin.NewSyncedEnforcer(m, stringadapter.NewAdapter(`
p, admin, orders, write
g, alice, admin
`))
	type subject struct{}
	authz := kitcasbin.NewAuthorizer(enforcer, func(ctx context.Context, _ any) ([]any, error) {
		return []any{ctx.Value(subject{}), "orders", "write"}, nil
	})
	write := authz(func(context.Context, any) (any, error) { return "written", nil })

	for _, user := range []string{"alice", "bob"} {
		resp, err := write(context.WithValue(context.Background(), subject{}, user), nil)
		fmt.Println(user, resp, err)
	}
	// Output:
	// alice written <nil>
	// bob <nil> casbin: unauthorized access
}
