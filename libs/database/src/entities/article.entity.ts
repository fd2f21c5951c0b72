import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

@Entity('articles')
export class Article {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('uuid', { name: 'site_id' })
  siteId: string;

  /** The site's own id of the article. */
  @Column('text', { name: 'external_id' })
  externalId: string;

  @Column('text', { nullable: true })
  title: string | null;

  @Column('text', { nullable: true })
  url: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
