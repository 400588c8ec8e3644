// A form generated from a job's params JSON Schema, validating before it submits. Properties of simple
// types get their own inputs; anything else (or a schema without properties) is edited as JSON.
import { h, field, setFieldError } from './dom.js';

export function schemaForm(schema) {
  const props = schema && schema.type === 'object' && schema.properties ? schema.properties : null;
  const required = new Set((schema && schema.required) || []);
  const controls = new Map();
  const nodes = [];
  if (!props) {
    const raw = h('textarea', { id: 'p-json', rows: 5 }, '{}');
    controls.set('', { control: raw, spec: null });
    nodes.push(field('Params (JSON object)', raw));
  } else {
    for (const [name, spec] of Object.entries(props)) {
      let control;
      if (Array.isArray(spec.enum)) {
        control = h('select', { id: `p-${name}` }, required.has(name) ? null : h('option', { value: '' }, ''),
          spec.enum.map((v) => h('option', { value: JSON.stringify(v) }, String(v))));
      } else if (spec.type === 'boolean') {
        control = h('input', { id: `p-${name}`, type: 'checkbox', checked: spec.default === true });
      } else if (spec.type === 'number' || spec.type === 'integer') {
        control = h('input', { id: `p-${name}`, type: 'number', step: spec.type === 'integer' ? 1 : 'any',
          min: spec.minimum, max: spec.maximum, value: spec.default ?? '' });
      } else if (spec.type === 'string') {
        control = h('input', { id: `p-${name}`, value: spec.default ?? '', placeholder: spec.pattern ? `pattern ${spec.pattern}` : '' });
      } else {
        control = h('textarea', { id: `p-${name}`, rows: 3, class: 'mono' }, spec.default ? JSON.stringify(spec.default) : '');
      }
      controls.set(name, { control, spec });
      nodes.push(field(`${name}${required.has(name) ? ' *' : ''}`, control, spec.description || spec.type || 'JSON'));
    }
  }

  /** The params, or null after marking every field at fault. */
  function read() {
    let ok = true;
    const out = {};
    for (const [name, { control, spec }] of controls) {
      setFieldError(control, null);
      const fail = (message) => { setFieldError(control, message); ok = false; };
      if (!spec) {
        try {
          const v = JSON.parse(control.value || '{}');
          if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not an object');
          Object.assign(out, v);
        } catch (e) {
          fail(`must be a JSON object (${e.message})`);
        }
        continue;
      }
      if (spec.type === 'boolean') {
        out[name] = control.checked;
        continue;
      }
      const text = control.value;
      if (text === '') {
        if (required.has(name)) fail(`${name} is required`);
        continue;
      }
      if (Array.isArray(spec.enum)) {
        out[name] = JSON.parse(text);
      } else if (spec.type === 'number' || spec.type === 'integer') {
        const n = Number(text);
        if (Number.isNaN(n)) fail(`${name} must be a number`);
        else if (spec.type === 'integer' && !Number.isInteger(n)) fail(`${name} must be a whole number`);
        else if (spec.minimum != null && n < spec.minimum) fail(`${name} must be at least ${spec.minimum}`);
        else if (spec.maximum != null && n > spec.maximum) fail(`${name} must be at most ${spec.maximum}`);
        else out[name] = n;
      } else if (spec.type === 'string') {
        if (spec.pattern && !new RegExp(spec.pattern, 'u').test(text)) fail(`${name} must match ${spec.pattern}`);
        else if (spec.minLength != null && text.length < spec.minLength) fail(`${name} must be at least ${spec.minLength} characters`);
        else if (spec.maxLength != null && text.length > spec.maxLength) fail(`${name} must be at most ${spec.maxLength} characters`);
        else out[name] = text;
      } else {
        try {
          out[name] = JSON.parse(text);
        } catch (e) {
          fail(`${name} must be JSON (${e.message})`);
        }
      }
    }
    return ok ? out : null;
  }

  /** Marks the field a server's problem names (params.x or $.x), if the form has it. */
  function markServerErrors(problem) {
    for (const message of problem.errors || []) {
      const m = /^\$\.([A-Za-z0-9_]+)/.exec(message);
      const c = m && controls.get(m[1]);
      if (c) setFieldError(c.control, message);
    }
  }

  return { nodes, read, markServerErrors };
}
