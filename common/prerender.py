"""Templates with their fixed parts rendered once per language: every email, and the
storefront pages rendered per request (the cart; `render_page`).

Rendering an email through Django's template engine cost ~0.9-2 ms of CPU per message, most
of it on parts that are the same in every message of a language: the layout's markup walked
node by node through `{% extends %}` and `{% block %}`, and each `{% translate %}` /
`{% blocktranslate %}` looking its string up through the thread-local translation machinery
again. Here each template is turned, once per (template object, language, autoescape), into a
flat node list in which

- `{% extends %}` is resolved: the parent's nodes with the child's blocks put in place
  (a block with anything per-message in it keeps its own context push, as `BlockNode` does);
- `{% include "literal" %}` is replaced by the included template's own flat list, rendered
  with the `with` values pushed (`only`: a new context), as `IncludeNode` does;
- `{% translate "literal" %}` is rendered once and becomes text;
- `{% blocktranslate %}` without plural, context or `asvar` keeps its translated format
  string (looked up once) and only fills in the variables of each message, escaped as
  Django does; without variables it becomes text;
- `{% load %}` and comments disappear; adjacent text is joined;
- `{% if %}`, `{% for %}`, `{% with %}` and `{% autoescape %}` are copied with their inner
  lists flattened the same way; every other node (variables, filters, unknown tags) is
  Django's own node, rendered by Django;
- with `fixed=` names (the shop's name, URL and postal address, the same in every message),
  `{{ NAME }}` and a `{% blocktranslate %}` using only such names become text too, for those
  values (they are part of the cache key), except where a loop, `with` or include rebinds
  the name; a template with a tag that might set variables (`as`, unknown tags) is folded
  without them.

Per-message values (names, amounts, links) are only ever read from the context at render
time: nothing else that depends on the context is folded. A template that uses
`{{ block.super }}` or a relative include is rendered by Django unchanged. The cache is
keyed weakly by Django's template object, so a reloaded template (DEBUG, changed TEMPLATES
settings) is compiled afresh, and by `translation.get_language()` and the fixed values, so
one language's text never reaches another's message (tests/messaging/test_prerender.py).
"""

import copy
import threading
import weakref

from django.http import HttpResponse
from django.template import Context
from django.template.base import (
    Node,
    NodeList,
    Template,
    TextNode,
    Variable,
    VariableNode,
    render_value_in_context,
)
from django.template.context import make_context
from django.template.defaulttags import AutoEscapeControlNode, CommentNode, ForNode, IfNode, LoadNode, WithNode
from django.template.loader import get_template
from django.template.loader_tags import BlockNode, ExtendsNode, IncludeNode
from django.templatetags.i18n import BlockTranslateNode, TranslateNode
from django.utils import translation
from django.utils.safestring import SafeString

_compiled: "weakref.WeakKeyDictionary[Template, dict[tuple[str, bool], NodeList]]" = weakref.WeakKeyDictionary()
_lock = threading.Lock()


class _Unsupported(Exception):
    """This template needs Django's own block/include machinery."""


class _Pushed(Node):
    """A block's contents, in a context layer of their own (what `BlockNode.render` does)."""

    child_nodelists = ("nodelist",)
    origin = None

    def __init__(self, nodelist: NodeList):
        self.nodelist = nodelist

    def render(self, context):
        with context.push():
            return self.nodelist.render(context)


class _Included(Node):
    """`{% include "name" with a=b %}` with the included template already flattened."""

    child_nodelists = ("nodelist",)

    def __init__(self, original: IncludeNode, template: Template, nodelist: NodeList):
        self.original = original
        self.template = template
        self.nodelist = nodelist
        self.token = original.token
        self.origin = original.origin

    def render(self, context):
        values = {name: var.resolve(context) for name, var in self.original.extra_context.items()}
        with context.render_context.push_state(self.template):
            if self.original.isolated_context:
                return self.nodelist.render(context.new(values))
            with context.push(**values):
                return self.nodelist.render(context)


class _TranslatedBlock(Node):
    """`{% blocktranslate %}` with its message translated once: `BlockTranslateNode.render`
    without the gettext call (same variable lookup, escaping and fallback)."""

    child_nodelists = ()

    def __init__(self, original: BlockTranslateNode, translated: str, names: list[str]):
        self.original = original
        self.translated = translated
        self.names = names
        self.token = original.token
        self.origin = original.origin

    def render(self, context):
        extra = {name: value.resolve(context) for name, value in self.original.extra_context.items()}
        context.update(extra)
        try:
            default = context.template.engine.string_if_invalid
            data = {}
            for name in self.names:
                value = context[name] if name in context else (default % name if "%s" in default else default)
                data[name] = render_value_in_context(value, context)
        finally:
            context.pop()
        try:
            return self.translated % data
        except (KeyError, ValueError):
            return self.original.render(context)  # Django's own fallback (source language, or an error)


def _literal(expression) -> str | None:
    """The string a filter expression always gives (a quoted literal, no filters), else None."""
    if expression.filters:
        return None
    var = expression.var
    if isinstance(var, str):  # a constant, resolved by the parser
        return str(var)
    if isinstance(var, Variable) and isinstance(var.literal, str) and not var.lookups:
        return str(var.literal)
    return None


def _extends(template: Template) -> ExtendsNode | None:
    for node in template.nodelist:
        if isinstance(node, ExtendsNode):
            return node
        if not isinstance(node, TextNode):
            return None
    return None


def _template(name: str) -> Template:
    return get_template(name).template


def _check(template: Template) -> None:
    if "block.super" in (template.source or ""):
        raise _Unsupported(template.name)


def _effective_nodes(template: Template, blocks: dict[str, BlockNode]) -> tuple[list[Node], dict[str, BlockNode]]:
    """The root template's nodes and the winning block for each name (child first)."""
    _check(template)
    extends = _extends(template)
    if extends is None:
        return list(template.nodelist), blocks
    parent_name = _literal(extends.parent_name)
    if not parent_name:
        raise _Unsupported(template.name)
    parent = _template(parent_name)
    if parent is template or parent.name == template.name:
        raise _Unsupported(template.name)
    merged = {**extends.blocks, **blocks}  # the most derived template's block wins
    return _effective_nodes(parent, merged)


class _Folder:
    """Flattens one template for the active language and one autoescape setting."""

    def __init__(self, autoescape: bool, constants: dict[str, str]):
        self.autoescape = autoescape
        self.constants = constants  # the fixed values not shadowed at this point
        self.blocks: dict[str, BlockNode] = {}
        self.opaque = False  # met a node that might set variables: constants are not safe

    def scope(self, names, nodes) -> NodeList:
        """Fold `nodes` where `names` are bound to something else (loop variables, `with`)."""
        outer = self.constants
        self.constants = {k: v for k, v in outer.items() if k not in names}
        try:
            return self.nodelist(nodes)
        finally:
            self.constants = outer

    def constant(self, node: VariableNode) -> TextNode | None:
        """`{{ NAME }}` of a fixed value (no filters), rendered as Django would."""
        expression = node.filter_expression
        var = expression.var
        if expression.filters or not isinstance(var, Variable) or var.lookups is None or len(var.lookups) != 1:
            return None
        if var.lookups[0] not in self.constants:
            return None
        return _text(node.render(Context(self.constants, autoescape=self.autoescape)))

    def template(self, template: Template) -> NodeList:
        nodes, self.blocks = _effective_nodes(template, {})
        return self.nodelist(nodes)

    def nodelist(self, nodes) -> NodeList:
        out = NodeList()
        for node in nodes:
            for folded in self.node(node):
                if isinstance(folded, TextNode) and out and type(out[-1]) is TextNode:
                    out[-1] = _text(out[-1].s + folded.s)
                elif not (isinstance(folded, TextNode) and not folded.s):
                    out.append(folded)
        return out

    def node(self, node: Node) -> list[Node]:
        if type(node) is TextNode:
            return [node]
        if isinstance(node, (LoadNode, CommentNode)):
            return []
        if type(node) is VariableNode:
            return [self.constant(node) or node]
        if isinstance(node, BlockNode):
            block = self.blocks.get(node.name, node)
            inner = self.nodelist(block.nodelist)
            return list(inner) if _keeps_context(inner) else [_Pushed(inner)]
        if isinstance(node, TranslateNode):
            if not node.asvar and node.message_context is None and _literal(node.filter_expression) is not None:
                return [_text(node.render(Context(autoescape=self.autoescape)))]
            return [self.unknown(node)]
        if isinstance(node, BlockTranslateNode):
            return [self.blocktranslate(node)]
        if isinstance(node, IncludeNode):
            return [self.include(node)]
        if isinstance(node, IfNode):
            clone = copy.copy(node)
            clone.conditions_nodelists = [(cond, self.nodelist(nodes)) for cond, nodes in node.conditions_nodelists]
            return [clone]
        if isinstance(node, ForNode):
            clone = copy.copy(node)
            clone.nodelist_loop = self.scope({*node.loopvars, "forloop"}, node.nodelist_loop)
            clone.nodelist_empty = self.nodelist(node.nodelist_empty)
            return [clone]
        if isinstance(node, WithNode):
            clone = copy.copy(node)
            clone.nodelist = self.scope(node.extra_context, node.nodelist)
            return [clone]
        if isinstance(node, AutoEscapeControlNode):
            outer, self.autoescape = self.autoescape, node.setting
            try:
                clone = copy.copy(node)
                clone.nodelist = self.nodelist(node.nodelist)
            finally:
                self.autoescape = outer
            return [clone]
        if isinstance(node, ExtendsNode):  # not first: Django raises at parse time; be safe
            raise _Unsupported("extends")
        return [self.unknown(node)]

    def unknown(self, node: Node) -> Node:
        self.opaque = True
        return node

    def blocktranslate(self, node: BlockTranslateNode) -> Node:
        if node.plural or node.counter or node.message_context or node.asvar:
            return self.unknown(node)
        singular, names = node.render_token_list(node.singular)
        translated = translation.gettext(singular)
        if not node.extra_context and all(name in self.constants for name in names):
            context = Context(self.constants, autoescape=self.autoescape)
            try:
                return _text(
                    translated % {name: render_value_in_context(self.constants[name], context) for name in names}
                )
            except (KeyError, ValueError):
                return node
        return _TranslatedBlock(node, translated, names)

    def include(self, node: IncludeNode) -> Node:
        name = _literal(node.template)
        if not name or name.startswith("."):
            return node  # relative to the including template: Django resolves it
        included = _template(name)
        constants = {} if node.isolated_context else self.constants
        folder = _Folder(self.autoescape, {k: v for k, v in constants.items() if k not in node.extra_context})
        nodelist = folder.template(included)
        self.opaque = self.opaque or folder.opaque
        return _Included(node, included, nodelist)


# Nodes that leave the context as they found it (the loops and `with` push their own layer).
_CONTEXT_NEUTRAL = (TextNode, VariableNode, _TranslatedBlock, _Included, ForNode, WithNode)


def _keeps_context(nodes) -> bool:
    """True if rendering `nodes` cannot set a variable in the current context layer (an
    `as` tag can): then a block's own push is not needed and its text joins the layout's."""
    for node in nodes:
        if isinstance(node, IfNode):
            if not all(_keeps_context(branch) for _, branch in node.conditions_nodelists):
                return False
        elif type(node) not in _CONTEXT_NEUTRAL:
            return False
    return True


def _text(s: str) -> TextNode:
    return TextNode(SafeString(s))


# Folded versions kept per template; past this many (e.g. a caller passing per-message values
# as `fixed`) the template's entry starts afresh instead of growing.
_MAX_VERSIONS = 32
_MISSING = object()


def _fold(template: Template, autoescape: bool, constants: dict[str, str]) -> NodeList | None:
    try:
        folder = _Folder(autoescape, constants)
        nodelist = folder.template(template)
        if folder.opaque and constants:  # a tag might rebind a fixed name: fold without them
            nodelist = _Folder(autoescape, {}).template(template)
    except _Unsupported:
        return None
    return nodelist


def _folded(template: Template, autoescape: bool, constants: dict[str, str]) -> NodeList | None:
    key = (translation.get_language() or "", autoescape, tuple(constants.items()))
    per_template = _compiled.get(template)
    if per_template is not None:
        found = per_template.get(key, _MISSING)  # one lookup: another thread may clear the dict
        if found is not _MISSING:
            return found
    nodelist = _fold(template, autoescape, constants)
    with _lock:
        versions = _compiled.setdefault(template, {})
        if len(versions) >= _MAX_VERSIONS:
            versions.clear()
        versions[key] = nodelist
    return nodelist


def render(name: str, context: dict, *, autoescape: bool | None = None, fixed: tuple[str, ...] = ()) -> str:
    """Render template `name` with `context` (a plain dict, no request) in the active
    language: the same text Django's engine renders, with the fixed parts done once.
    `autoescape` None: the engine's setting (what `get_template(name).render()` uses).
    `fixed`: names in `context` whose string values are the same in (nearly) every message
    (the shop's name and address): `{{ NAME }}` of them, and `{% blocktranslate %}` using
    only them, are folded too, for those values (part of the cache key) where no loop,
    `with` or include rebinds the name.
    Raises TemplateDoesNotExist / TemplateSyntaxError like `get_template(name).render()`."""
    template = _template(name)
    if autoescape is None:
        autoescape = template.engine.autoescape
    constants = {key: context[key] for key in fixed if type(context.get(key)) is str}
    nodelist = _folded(template, autoescape, constants)
    ctx = Context(context, autoescape=autoescape)
    # What Template.render does for a new context (push_state + bind_template), inline.
    ctx.template = ctx.render_context.template = template
    ctx.template_name = template.name
    if nodelist is None:
        return template._render(ctx)
    return nodelist.render(ctx)


_DJANGO_RENDER = Template._render  # the test runner swaps in an instrumented version


def render_page(request, name: str, context: dict, *, status: int = 200) -> HttpResponse:
    """`django.shortcuts.render` with the fixed parts folded: the same RequestContext (context
    processors, CSRF token, CSP nonce), the same text as Django's engine renders, for a page
    rendered per request. Only per-request values (the cart, the visitor's parts, tokens)
    render each time. Raises like `render`."""
    template = _template(name)
    nodelist = _folded(template, template.engine.autoescape, {})
    if nodelist is None:  # needs Django's own block/include machinery
        return HttpResponse(get_template(name).render(context, request), status=status)
    ctx = make_context(context, request, autoescape=template.engine.autoescape)
    with ctx.render_context.push_state(template), ctx.bind_template(template):
        ctx.template_name = template.name
        if Template._render is not _DJANGO_RENDER:  # under the test runner: record it as Django does
            from django.test.signals import template_rendered

            template_rendered.send(sender=template, template=template, context=ctx)
        html = nodelist.render(ctx)
    return HttpResponse(html, status=status)
