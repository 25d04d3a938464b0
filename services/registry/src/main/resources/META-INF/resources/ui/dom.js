// Every node of the page is built here. Text from the API is attacker-influenced (names, file
// names, finding evidence, reasons): it only ever becomes a Text node or an attribute value,
// never markup. The page's CSP (Trusted Types) makes innerHTML with a string throw, so a slip
// elsewhere fails loudly instead of injecting.

const SVG_NS = 'http://www.w3.org/2000/svg';

/** An HTML element: el('td', {class: 'x'}, 'text', childNode, [more, children]). */
export function el(tag, attrs, ...children) {
  return build(document.createElement(tag), attrs, children);
}

/** An SVG element, same rules as el(). */
export function svg(tag, attrs, ...children) {
  return build(document.createElementNS(SVG_NS, tag), attrs, children);
}

/** A link inside the page (#/...) or to the API (v1/...); nothing else can become an href. */
export function link(href, ...children) {
  return el('a', {href}, ...children);
}

function build(node, attrs, children) {
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === null || value === undefined || value === false) {
      continue;
    }
    // handlers and inline style never come from here: the CSP forbids both, and data must not reach them
    if (/^on/i.test(name) || name === 'style' || name === 'srcdoc') {
      throw new Error(`attribute ${name} is not set by this page`);
    }
    if ((name === 'href' || name === 'src') && !safeUrl(String(value))) {
      throw new Error(`refusing ${name} ${String(value).slice(0, 80)}`);
    }
    node.setAttribute(name, value === true ? '' : String(value));
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) {
      continue;
    }
    if (Array.isArray(c)) {
      append(node, c);
    } else if (c instanceof Node) {
      node.appendChild(c);
    } else {
      node.appendChild(document.createTextNode(String(c)));
    }
  }
}

function safeUrl(v) {
  return v.startsWith('#') || v.startsWith('v1/');
}

/** A path segment for an id: ids go into URLs only encoded. */
export function seg(id) {
  return encodeURIComponent(String(id));
}
