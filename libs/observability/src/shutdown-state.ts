import { Injectable, type BeforeApplicationShutdown } from '@nestjs/common';

/** Set as soon as shutdown begins, so readiness turns off before work stops being taken. */
@Injectable()
export class ShutdownState implements BeforeApplicationShutdown {
  stopping = false;

  beginShutdown(): void {
    this.stopping = true;
  }

  beforeApplicationShutdown(): void {
    this.stopping = true;
  }
}
