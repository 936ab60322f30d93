package compat

import (
	"errors"
	"fmt"
	"go/types"
	"strings"
)

// A translator rewrites Go kit types into the kit types they map to, so
// that go/types can decide assignability and identity between the two.
type translator struct {
	to   map[string]string         // Go kit package path -> kit package path
	pkgs map[string]*types.Package // loaded packages, by path
}

func isGoKit(p string) bool {
	return strings.HasPrefix(p, "github.com/go-kit/kit/") || p == "github.com/go-kit/log" || strings.HasPrefix(p, "github.com/go-kit/log/")
}

// kitPackage returns the kit package that the Go kit package p maps to.
func (tr *translator) kitPackage(p *types.Package) *types.Package {
	if to, ok := tr.to[p.Path()]; ok {
		return tr.pkgs[to]
	}
	return nil
}

// translate returns t with every Go kit named type replaced by the kit type
// of the same name in the package MIGRATING.md maps its package to. Types of
// other packages (the standard library, grpc, prometheus...) are kept: one
// importer loaded both sides, so they are the same objects.
func (tr *translator) translate(t types.Type) (types.Type, error) {
	switch t := t.(type) {
	case *types.Alias:
		return tr.translate(types.Unalias(t))
	case *types.Basic, *types.TypeParam:
		return t, nil
	case *types.Named:
		obj := t.Obj()
		if obj.Pkg() == nil || !isGoKit(obj.Pkg().Path()) {
			return t, nil
		}
		kp := tr.kitPackage(obj.Pkg())
		if kp == nil {
			return nil, fmt.Errorf("uses %s.%s, from a Go kit package MIGRATING.md does not map", obj.Pkg().Path(), obj.Name())
		}
		if !obj.Exported() {
			return nil, &unexportedError{obj}
		}
		tn, ok := kp.Scope().Lookup(obj.Name()).(*types.TypeName)
		if !ok {
			return nil, fmt.Errorf("uses %s.%s, which kit's %s lacks", obj.Pkg().Name(), obj.Name(), kp.Path())
		}
		if t.TypeArgs().Len() > 0 {
			return nil, fmt.Errorf("uses the generic %s, which this check does not translate", obj.Name())
		}
		return tn.Type(), nil
	case *types.Pointer:
		e, err := tr.translate(t.Elem())
		if err != nil {
			return nil, err
		}
		return types.NewPointer(e), nil
	case *types.Slice:
		e, err := tr.translate(t.Elem())
		if err != nil {
			return nil, err
		}
		return types.NewSlice(e), nil
	case *types.Array:
		e, err := tr.translate(t.Elem())
		if err != nil {
			return nil, err
		}
		return types.NewArray(e, t.Len()), nil
	case *types.Map:
		k, err := tr.translate(t.Key())
		if err != nil {
			return nil, err
		}
		v, err := tr.translate(t.Elem())
		if err != nil {
			return nil, err
		}
		return types.NewMap(k, v), nil
	case *types.Chan:
		e, err := tr.translate(t.Elem())
		if err != nil {
			return nil, err
		}
		return types.NewChan(t.Dir(), e), nil
	case *types.Signature:
		params, err := tr.tuple(t.Params())
		if err != nil {
			return nil, err
		}
		results, err := tr.tuple(t.Results())
		if err != nil {
			return nil, err
		}
		return types.NewSignatureType(nil, nil, nil, params, results, t.Variadic()), nil
	case *types.Struct:
		fields := make([]*types.Var, t.NumFields())
		tags := make([]string, t.NumFields())
		for i := range fields {
			f := t.Field(i)
			ft, err := tr.translate(f.Type())
			if err != nil {
				return nil, err
			}
			fields[i] = types.NewField(f.Pos(), tr.samePackage(f.Pkg()), f.Name(), ft, f.Embedded())
			tags[i] = t.Tag(i)
		}
		return types.NewStruct(fields, tags), nil
	case *types.Interface:
		methods := make([]*types.Func, t.NumExplicitMethods())
		for i := range methods {
			m := t.ExplicitMethod(i)
			sig, err := tr.translate(m.Type())
			if err != nil {
				return nil, err
			}
			methods[i] = types.NewFunc(m.Pos(), tr.samePackage(m.Pkg()), m.Name(), sig.(*types.Signature))
		}
		embedded := make([]types.Type, t.NumEmbeddeds())
		for i := range embedded {
			e, err := tr.translate(t.EmbeddedType(i))
			if err != nil {
				return nil, err
			}
			embedded[i] = e
		}
		return types.NewInterfaceType(methods, embedded).Complete(), nil
	case *types.Tuple:
		return tr.tuple(t)
	}
	return nil, fmt.Errorf("uses a %T, which this check does not translate", t)
}

// unexportedError reports a Go kit type that refers to an unexported
// one, which no user code can name.
type unexportedError struct{ obj types.Object }

func (e *unexportedError) Error() string {
	return fmt.Sprintf("uses the unexported %s.%s", e.obj.Pkg().Path(), e.obj.Name())
}

// samePackage returns the kit package standing for the Go kit package p
// (for unexported names, whose identity includes their package), or p.
func (tr *translator) samePackage(p *types.Package) *types.Package {
	if p != nil && isGoKit(p.Path()) {
		if kp := tr.kitPackage(p); kp != nil {
			return kp
		}
	}
	return p
}

func (tr *translator) tuple(t *types.Tuple) (*types.Tuple, error) {
	if t == nil {
		return nil, nil
	}
	vars := make([]*types.Var, t.Len())
	for i := range vars {
		v := t.At(i)
		vt, err := tr.translate(v.Type())
		if err != nil {
			return nil, err
		}
		vars[i] = types.NewParam(v.Pos(), nil, v.Name(), vt)
	}
	return types.NewTuple(vars...), nil
}

// compatible reports why Go kit code using gk (an exported package-level
// object of a Go kit package) would not compile against kit's k (the object
// of the same name in the kit package), or nil if it would:
//
//   - a function: every call Go kit's signature allows compiles against
//     kit's (each argument assignable to kit's parameter, kit's extra
//     parameters only a trailing variadic one, a variadic Go kit parameter
//     matched by a variadic kit one) and each kit result is assignable to
//     Go kit's (when Go kit's returns nothing, kit's may return values: a
//     call statement compiles either way);
//   - a variable: kit's is a variable whose type is assignable to Go kit's;
//   - a constant: kit's is a constant of the same kind;
//   - a type: kit's is a type; an interface or a function type is identical
//     (so values implement or convert alike); a struct has every exported
//     field of Go kit's, with identical types; other types have identical
//     underlying types (a type built on an unexported Go kit type, which
//     user code cannot name, needs only the same kind); and every exported
//     method (of T or *T) exists in kit's with a compatible signature.
//
// Types are compared after [translator.translate].
func (tr *translator) compatible(gk, k types.Object) error {
	if k == nil || !k.Exported() {
		return fmt.Errorf("missing in kit")
	}
	switch gk := gk.(type) {
	case *types.Func:
		sig, err := tr.translate(gk.Type())
		if err != nil {
			return err
		}
		ksig, ok := k.Type().Underlying().(*types.Signature)
		if _, isVar := k.(*types.Var); !ok || (!isVar && !isFunc(k)) {
			return fmt.Errorf("is a function in Go kit, a %s in kit", kind(k))
		}
		return callable(sig.(*types.Signature), ksig)
	case *types.Var:
		kv, ok := k.(*types.Var)
		if !ok {
			return fmt.Errorf("is a variable in Go kit, a %s in kit", kind(k))
		}
		want, err := tr.translate(gk.Type())
		if err != nil {
			return err
		}
		if !types.AssignableTo(kv.Type(), want) {
			return fmt.Errorf("variable of type %s in kit, %s in Go kit", kv.Type(), gk.Type())
		}
		return nil
	case *types.Const:
		kc, ok := k.(*types.Const)
		if !ok {
			return fmt.Errorf("is a constant in Go kit, a %s in kit", kind(k))
		}
		if kc.Val().Kind() != gk.Val().Kind() {
			return fmt.Errorf("constant of kind %s in kit, %s in Go kit", kc.Val().Kind(), gk.Val().Kind())
		}
		return nil
	case *types.TypeName:
		kt, ok := k.(*types.TypeName)
		if !ok {
			return fmt.Errorf("is a type in Go kit, a %s in kit", kind(k))
		}
		return tr.sameType(gk, kt)
	}
	return fmt.Errorf("is a %T, which this check does not compare", gk)
}

func isFunc(o types.Object) bool { _, ok := o.(*types.Func); return ok }

func kind(o types.Object) string {
	switch o.(type) {
	case *types.Func:
		return "function"
	case *types.Var:
		return "variable"
	case *types.Const:
		return "constant"
	case *types.TypeName:
		return "type"
	}
	return fmt.Sprintf("%T", o)
}

// sameType compares the types gk (Go kit's) and k (kit's); see compatible.
func (tr *translator) sameType(gk, k *types.TypeName) error {
	ku := k.Type().Underlying()
	if s, ok := gk.Type().Underlying().(*types.Struct); ok {
		// Only the exported fields are Go kit's API: translate those.
		if err := tr.sameFields(gk.Name(), s, ku); err != nil {
			return err
		}
		return tr.sameMethods(gk, k)
	}
	gu, err := tr.translate(gk.Type().Underlying())
	var unexported *unexportedError
	if errors.As(err, &unexported) {
		// Such as level.Option, func(*logger): user code can only pass
		// its values around, so any kit type of the same kind serves.
		if fmt.Sprintf("%T", gk.Type().Underlying()) != fmt.Sprintf("%T", ku) {
			return fmt.Errorf("kit's %s is %s, Go kit's %s", k.Name(), ku, gk.Type().Underlying())
		}
		return tr.sameMethods(gk, k)
	}
	if err != nil {
		return err
	}
	switch g := gu.(type) {
	case *types.Interface, *types.Signature:
		if !types.Identical(g, ku) {
			return fmt.Errorf("kit's %s is %s, Go kit's %s", k.Name(), ku, gk.Type().Underlying())
		}
		if _, ok := g.(*types.Interface); ok {
			return nil // its methods are its underlying type
		}
	default:
		if !types.Identical(gu, ku) {
			return fmt.Errorf("kit's %s is %s, Go kit's %s", k.Name(), ku, gk.Type().Underlying())
		}
	}
	return tr.sameMethods(gk, k)
}

// sameFields checks that kit's type (underlying ku) has every exported field
// of Go kit's struct g, with identical types.
func (tr *translator) sameFields(name string, g *types.Struct, ku types.Type) error {
	ks, ok := ku.(*types.Struct)
	if !ok {
		if exportedFields(g) > 0 {
			return fmt.Errorf("a struct with exported fields in Go kit, %s in kit", ku)
		}
		return nil
	}
	for i := range g.NumFields() {
		f := g.Field(i)
		if !f.Exported() {
			continue
		}
		kf := fieldByName(ks, f.Name())
		if kf == nil {
			return fmt.Errorf("kit's %s has no field %s", name, f.Name())
		}
		ft, err := tr.translate(f.Type())
		if err != nil {
			return fmt.Errorf("field %s: %v", f.Name(), err)
		}
		if !types.Identical(ft, kf.Type()) {
			return fmt.Errorf("field %s is %s in kit, %s in Go kit", f.Name(), kf.Type(), f.Type())
		}
	}
	return nil
}

// sameMethods checks that every exported method of Go kit's type (of T or
// *T) exists on kit's with a compatible signature.
func (tr *translator) sameMethods(gk, k *types.TypeName) error {
	gms := types.NewMethodSet(types.NewPointer(gk.Type()))
	kms := types.NewMethodSet(types.NewPointer(k.Type()))
	for i := range gms.Len() {
		m := gms.At(i).Obj()
		if !m.Exported() {
			continue
		}
		sel := kms.Lookup(m.Pkg(), m.Name())
		if sel == nil {
			sel = lookupExported(kms, m.Name())
		}
		if sel == nil {
			return fmt.Errorf("kit's %s has no method %s", k.Name(), m.Name())
		}
		sig, err := tr.translate(m.Type())
		if err != nil {
			return fmt.Errorf("method %s: %v", m.Name(), err)
		}
		if err := callable(sig.(*types.Signature), sel.Obj().Type().(*types.Signature)); err != nil {
			return fmt.Errorf("method %s: %v", m.Name(), err)
		}
	}
	return nil
}

func exportedFields(s *types.Struct) int {
	n := 0
	for i := range s.NumFields() {
		if s.Field(i).Exported() {
			n++
		}
	}
	return n
}

func fieldByName(s *types.Struct, name string) *types.Var {
	for i := range s.NumFields() {
		if s.Field(i).Name() == name {
			return s.Field(i)
		}
	}
	return nil
}

func lookupExported(ms *types.MethodSet, name string) *types.Selection {
	for i := range ms.Len() {
		if ms.At(i).Obj().Name() == name {
			return ms.At(i)
		}
	}
	return nil
}

// callable reports why a call written for gk (a translated Go kit
// signature) would not compile against k, or use its results as Go kit's.
func callable(gk, k *types.Signature) error {
	gp, kp := gk.Params(), k.Params()
	gn, kn := gp.Len(), kp.Len()
	for i := range gn {
		g := gp.At(i).Type()
		if gk.Variadic() && i == gn-1 {
			if !k.Variadic() || kn != gn {
				return fmt.Errorf("Go kit's variadic parameter %d is not variadic in kit", i+1)
			}
			if !types.Identical(g, kp.At(i).Type()) {
				return fmt.Errorf("variadic parameter %d: kit's is %s, Go kit's %s", i+1, kp.At(i).Type(), g)
			}
			continue
		}
		var want types.Type
		switch {
		case k.Variadic() && i >= kn-1:
			want = kp.At(kn - 1).Type().(*types.Slice).Elem()
		case i < kn:
			want = kp.At(i).Type()
		default:
			return fmt.Errorf("kit takes %d parameters, Go kit %d", kn, gn)
		}
		if !types.AssignableTo(g, want) {
			return fmt.Errorf("parameter %d: Go kit's %s is not assignable to kit's %s", i+1, g, want)
		}
	}
	if !gk.Variadic() && gn < kn && !(k.Variadic() && gn == kn-1) {
		return fmt.Errorf("kit takes %d parameters, Go kit %d", kn, gn)
	}
	gr, kr := gk.Results(), k.Results()
	if gr.Len() == 0 {
		return nil // a call statement compiles whatever kit returns
	}
	if gr.Len() != kr.Len() {
		return fmt.Errorf("kit returns %d values, Go kit %d", kr.Len(), gr.Len())
	}
	for i := range gr.Len() {
		if !types.AssignableTo(kr.At(i).Type(), gr.At(i).Type()) {
			return fmt.Errorf("result %d: kit's %s is not assignable to Go kit's %s", i+1, kr.At(i).Type(), gr.At(i).Type())
		}
	}
	return nil
}
