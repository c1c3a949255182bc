/**
 * The app's one controller: it owns the machine client, the store and (once mounted) the frame grid,
 * and turns the learner's actions into protocol commands. React views call its methods and read the
 * store; the grid is fed frame deltas and store changes here, never through React re-renders
 * (tldraw's single reactor instead of N component subscriptions). Its methods live by concern in
 * this folder (core.ts says how the chain goes); this class is the end of the chain.
 */
import { ProcessController } from './processes.ts';

export class AppController extends ProcessController {}
