/** Entry point: mounts the console into `#app`. */
import { render } from 'preact';
import 'uplot/dist/uPlot.min.css';
import './styles.css';
import { App } from './views/app.js';

const root = document.getElementById('app');
if (root !== null) render(<App />, root);
